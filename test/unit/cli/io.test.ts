/**
 * The CLI's output helpers: JSON written piece by piece is exactly JSON.stringify's, and a long
 * output waits for its reader between chunks.
 */
import fc from 'fast-check';
import { jsonPieces, printJson, toJson, writeOut, type CliIo } from '../../../lib/cli/io';
import { memoryIo } from './support';

describe('jsonPieces', () => {
  it('joins to exactly toJson(value) for any array or object (what the commands print)', () => {
    const tree = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: true })),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 5 })),
    })).node;
    const value = fc.oneof(fc.array(tree, { maxLength: 8 }), fc.dictionary(fc.string(), tree, { maxKeys: 8 }));
    fc.assert(
      fc.property(value, (v) => {
        expect([...jsonPieces(v)].join('')).toBe(toJson(v));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['an empty array', []],
    ['an empty object', {}],
    ['undefined in an array and an object', { a: [undefined, 1, () => 1], b: undefined, c: { d: Symbol('x') } }],
    ['an object with toJSON', { when: new Date(0), nested: { toJSON: () => ({ x: [1, 2] }) } }],
    ['strings with newlines and quotes', { 'a\nb': ['line\nbreak', '"quoted"'] }],
    ['deep nesting', { a: { b: { c: { d: { e: [1, { f: [2] }] } } } } }],
  ])('handles %s as JSON.stringify does', (_what, v) => {
    expect([...jsonPieces(v)].join('')).toBe(toJson(v));
  });
});

describe('writeOut and printJson', () => {
  it('writes a large array in chunks of about 64 KiB and waits for the reader after each', async () => {
    const memory = memoryIo();
    const writes: number[] = [];
    let drains = 0;
    const io: CliIo = {
      ...memory.io,
      out: (text) => {
        writes.push(text.length);
        memory.io.out(text);
      },
      drain: () => {
        drains += 1;
        return Promise.resolve();
      },
    };
    const shares = Array.from({ length: 20_000 }, (_, i) => ({ shareId: String(10_000_000 + i), paths: [`/Public/file-${i}.pdf`] }));
    await printJson(io, shares);
    expect(JSON.parse(memory.out())).toEqual(shares);
    expect(memory.out()).toBe(toJson(shares));
    expect(writes.length).toBeGreaterThan(10);
    expect(Math.max(...writes)).toBeLessThan(64 * 1024 + 1024);
    expect(drains).toBe(writes.length);
  });

  it('writes nothing for no pieces', async () => {
    const memory = memoryIo();
    await writeOut(memory.io, []);
    expect(memory.out()).toBe('');
  });
});
