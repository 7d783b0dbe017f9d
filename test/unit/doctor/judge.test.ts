/** doctor's judging of list items: fields, plausible values, totals, errnos. */
import { extractItems, judgeErrnos, judgeFields, judgeTotal, judgeValues, type ListedPage } from '../../../lib/doctor/judge';

const NOW = Date.UTC(2026, 10, 1);
const item = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ share_id: 101, shorturl: '1abc', typicalPath: '/a', ctime: 1_790_000_000, vCnt: 1, ...extra });
const pages = (...lists: unknown[][]): ListedPage[] => lists.map((list, i) => ({ page: i + 1, body: { errno: 0, data: { share_list: list, total: 2 } } }));

describe('judgeValues', () => {
  it.each([
    [{ ctime: 946_684_800 }, /ctime is out of any plausible range.*e\.g\. 2000-01-01/],
    [{ ctime: Math.floor(NOW / 1000) + 3 * 86_400 }, /ctime is out of any plausible range/],
    [{ vCnt: -3 }, /vCnt is not a count.*e\.g\. -3/],
    [{ dCnt: 1.5 }, /dCnt is not a count/],
    [{ share_id: '0' }, /share_id is not a positive whole number.*"0"/],
    [{ share_id: -7 }, /share_id is not a positive whole number/],
  ])('fails %j', (extra, reason) => {
    const result = judgeValues([item(), item(extra)], NOW);
    expect(result.status).toBe('fail');
    expect(result.reason).toMatch(reason);
  });

  it('accepts plausible items, ctime in ms or seconds', () => {
    expect(judgeValues([item(), item({ ctime: 1_790_000_000_000 })], NOW).status).toBe('ok');
  });
});

describe('judgeFields', () => {
  it('warns when a field the policies need is missing, and lists unknown fields', () => {
    const result = judgeFields(extractItems(pages([{ share_id: 1, shorturl: '1a', typicalPath: '/a', extra: true }]), 'sharelist'));
    expect(result.status).toBe('warn');
    expect(result.reason).toMatch(/^no createdAt field \(ctime\/create_time\/createTime\/ctime_ms\): age rules cannot judge these shares$/);
    expect(result.details).toContain('fields the client does not read: extra: boolean (in 1 of 1)');
  });

  it('fails ids of a kind the client does not read as an id', () => {
    const result = judgeFields(extractItems(pages([item({ share_id: 'abc' })]), 'sharelist'));
    expect(result).toMatchObject({ status: 'fail', reason: expect.stringMatching(/share_id holds string where integer\|numeric-string was expected/) });
  });

  it('fails when only some items carry an id', () => {
    const list = [item(), { shorturl: '1b', typicalPath: '/b', ctime: 1_790_000_000 }];
    expect(judgeFields(extractItems(pages(list), 'sharelist')).reason).toMatch(/1 of 2 items have no share id/);
  });
});

describe('judgeTotal', () => {
  it('fails a total that is not what was listed, and says how the list ended', () => {
    const p = pages([item(), item({ share_id: 102 })]);
    const result = judgeTotal(extractItems(p, 'sharelist'), { ok: true, count: 1, shareIds: ['101'], pages: 1 }, p, 100);
    expect(result).toEqual({ id: 'share-total', title: 'total and end of list', status: 'fail', reason: 'TeraBox says total 2 but the listing gave 1 shares', details: ['pages read: 1; the list ended on a page of 2 (of 100) with no end signal (page 1)'] });
  });
});

describe('judgeErrnos', () => {
  it('fails on an unknown errno and warns on known ones', () => {
    expect(judgeErrnos(new Map([[4000023, ['/share/teratransfer/sharelist']]])).status).toBe('warn');
    expect(judgeErrnos(new Map([[31999, ['/share/teratransfer/sharelist']], [110, ['/api/list']]]))).toMatchObject({
      status: 'fail',
      reason: 'unknown errno 31999: the client cannot know what it means',
      details: ['errno 31999 (unknown errno) on /share/teratransfer/sharelist', 'errno 110 (share count exceeded (rate limited)) on /api/list'],
    });
  });
});
