/**
 * The CLI in-process: exit codes, one-line errors, help texts, redaction; and its small helpers.
 */
import { main, describeFailure } from '../../../lib/cli/main';
import { CliError, EXIT, Progress, UsageError } from '../../../lib/cli/io';
import { renderTable, formatDuration } from '../../../lib/format/plain-text';
import { StoreError } from '../../../lib/app/store-ports';
import { TeraboxApiError, TeraboxAuthError } from '../../../lib/terabox';
import { memoryIo } from './support';

const run = (args: string[], options: Parameters<typeof memoryIo>[0] = {}) => {
  const io = memoryIo(options);
  return main(['node', 'share-lifecycle', ...args], io.io).then((code) => ({ code, out: io.out(), err: io.err() }));
};

describe('share-lifecycle (in-process)', () => {
  it('prints the commands and the configuration table with --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['policies', 'requests', 'create', 'shares', 'sweep', 'runs', 'emulator']) expect(result.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const variable of ['TERABOX_BASE_URL', 'TERABOX_NDUS', 'TERABOX_SECRET_ID', 'POLICIES_TABLE', 'SHARES_TABLE', 'INVENTORY_TABLE', 'RUNS_TABLE', 'REQUEST_QUEUE_URL', 'AWS_REGION']) {
      expect(result.out).toContain(variable);
    }
  });

  it.each([
    [[], 'Usage: share-lifecycle'],
    [['policies'], 'Usage: share-lifecycle policies'],
    [['--bogus'], "share-lifecycle: unknown option '--bogus'"],
    [['polices'], "share-lifecycle: unknown command 'polices'"],
    [['policies', 'validate'], "share-lifecycle: missing required argument 'file'"],
    [['runs', 'list', '--limit', '0'], "share-lifecycle: option '--limit <n>' argument '0' is invalid."],
  ])('treats %j as a usage error (exit 2)', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
  });

  it.each([
    ['policies', 'validate'],
    ['policies', 'apply'],
    ['policies', 'list'],
    ['policies', 'delete'],
    ['requests', 'send'],
    ['requests', 'get'],
    ['create'],
    ['shares', 'list'],
    ['sweep'],
    ['runs', 'list'],
    ['runs', 'show'],
  ])('prints help for %s %s', async (...command) => {
    const result = await run([...command, '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^Usage: share-lifecycle ${command.join(' ')} `));
    expect(result.err).toBe('');
  });

  it('prints the version', async () => {
    const result = await run(['--version']);
    expect(result).toEqual({ code: 0, out: '0.1.0\n', err: '' });
  });

  it('masks the ndus value wherever it would show', async () => {
    const ndus = 'secret-ndus-value-0123456789';
    const result = await run(['policies', 'validate', `/tmp/${ndus}.json`], { env: { TERABOX_NDUS: ndus } });
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toBe('share-lifecycle: cannot read /tmp/[REDACTED].json: no such file\n');
  });

  it.each([
    ['a file', 'file'],
    ['stdin', 'stdin'],
  ])('accepts a policy file with a UTF-8 byte-order mark from %s', async (_what, from) => {
    const text = '\uFEFF[{"policyId":"p","rule":{"type":"max-age","maxAgeDays":3}}]';
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'bom-'));
    try {
      const file = join(dir, 'policies.json');
      writeFileSync(file, text, 'utf8');
      const result = await run(['policies', 'validate', from === 'file' ? file : '-', '--json'], from === 'file' ? {} : { stdin: text });
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.out)).toEqual({ valid: true, policies: ['p'], exemptions: [], invalid: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a policy file from stdin with -', async () => {
    const result = await run(['policies', 'validate', '-', '--json'], { stdin: '[{"policyId":"p","rule":{"type":"max-age","maxAgeDays":3}}]' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ valid: true, policies: ['p'], exemptions: [], invalid: [] });
  });
});

describe('describeFailure', () => {
  it.each([
    ['a usage error', new UsageError('bad flag'), ['bad flag'], 2],
    ['a failure with details', new CliError('2 invalid items', EXIT.failure, ['a', 'b']), ['2 invalid items', '  a', '  b'], 1],
    ['a TeraBox errno', new TeraboxApiError(-9, '/share/pset'), ['TeraBox: TeraBox answered errno -9 (file does not exist) on /share/pset'], 1],
    ['a store failure', new StoreError('Query on t failed: throttled'), ['DynamoDB: Query on t failed: throttled'], 1],
    ['missing AWS credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), ['AWS credentials not found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or log in with `aws sso login`)'], 2],
    ['a missing region', new Error('Region is missing'), ['AWS region not set: set AWS_REGION (or a region in your AWS profile)'], 2],
    ['anything else', new RangeError('boom'), ['RangeError: boom'], 1],
  ])('turns %s into one clear line', (_what, error, lines, exitCode) => {
    expect(describeFailure(error)).toEqual({ lines, exitCode });
  });

  it('tells how to fix a rejected cookie', () => {
    const { lines } = describeFailure(new TeraboxAuthError('errno -6'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ndus cookie.*TERABOX_NDUS/);
  });
});

describe('progress and tables', () => {
  it.each([
    [true, {}, true],
    [true, { json: true }, false],
    [false, {}, false],
  ])('shows progress when stderr is a terminal (%s) and not with %j: %s', (tty, options, shown) => {
    const io = memoryIo({ tty });
    const progress = Progress.for(io.io, options);
    progress.update('listing shares: 1 page', true);
    progress.done('listed');
    expect(io.err() !== '').toBe(shown);
    if (shown) expect(io.err()).toBe('\r\x1b[2Klisting shares: 1 page\r\x1b[2Klisted\n');
  });

  it('aligns columns and cuts long cells', () => {
    expect(renderTable(['ID', 'PATH'], [['1', '/a'], ['12345', '/very/long/path/name']], 10)).toBe('ID     PATH\n1      /a\n12345  /very/lon…\n');
  });

  it.each([
    [850, '850 ms'],
    [4200, '4.2 s'],
    [185_000, '3 min 5 s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
