/** Emulator shape variants: settable in the fault spec (validated), each changing one thing of a page. */
import { parseFaultSpec, EmulatorSpecError } from '../../../lib/terabox/emulator';
import { variantSharePage } from '../../../lib/terabox/emulator/variants';
import { rawNumber } from '../../../lib/terabox/emulator/responses';

const seedPage = (): Record<string, unknown> => ({ errno: 0, request_id: rawNumber('7'), data: { share_list: [{ share_id: rawNumber('9007199254740993'), fsIds: [rawNumber('5')], ctime: 1_790_000_000 }], total: 1, has_more: 0 } });

describe('shape variants', () => {
  it('are set with variant= in a fault spec, and a wrong one is named', () => {
    expect(parseFaultSpec('variant=string-ids').variant).toBe('string-ids');
    expect(() => parseFaultSpec('variant=nope')).toThrow(EmulatorSpecError);
    expect(() => parseFaultSpec('variant=nope')).toThrow(/variant must be one of renamed-field, string-ids, implausible-value, extra-wrapper, html-page, unknown-errno, total-disagrees/);
  });

  it.each([
    ['renamed-field', '{"errno":0,"request_id":7,"data":{"share_list":[{"sid":9007199254740993,"fsIds":[5],"ctime":1790000000}],"total":1,"has_more":0}}'],
    ['string-ids', '{"errno":0,"request_id":7,"data":{"share_list":[{"share_id":"9007199254740993","fsIds":["5"],"ctime":1790000000}],"total":1,"has_more":0}}'],
    ['implausible-value', '{"errno":0,"request_id":7,"data":{"share_list":[{"share_id":9007199254740993,"fsIds":[5],"ctime":4945760000}],"total":1,"has_more":0}}'],
    ['extra-wrapper', '{"errno":0,"request_id":7,"data":{"result":{"share_list":[{"share_id":9007199254740993,"fsIds":[5],"ctime":1790000000}],"total":1,"has_more":0}}}'],
    ['unknown-errno', '{"errno":31999,"request_id":7,"errmsg":"unknown"}'],
    ['total-disagrees', '{"errno":0,"request_id":7,"data":{"share_list":[{"share_id":9007199254740993,"fsIds":[5],"ctime":1790000000}],"total":6,"has_more":0}}'],
  ] as const)('%s changes one thing of the page', (variant, json) => {
    expect(variantSharePage(variant, seedPage())).toEqual({ json });
  });

  it('html-page answers an HTML page', () => {
    expect(variantSharePage('html-page', seedPage()).html).toMatch(/^<!DOCTYPE html>/);
  });
});
