import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The layer rules live in eslint.config.mjs; this checks they catch wrong-way imports. ESLint runs
// in a child process: its Node API loads the .mjs config with a dynamic import, which jest's
// CommonJS VM refuses without --experimental-vm-modules.
const root = join(__dirname, '..', '..', '..');
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintMessage { ruleId: string | null; message: string }

async function layerErrors(code: string, filePath: string): Promise<string[]> {
  const run = spawnSync(process.execPath, [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', filePath], { cwd: root, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: LintMessage[] }>;
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('refuse lib/domain importing lib/app', async () => {
    const errors = await layerErrors("import type { Clock } from '../app/ports';\nexport type X = Clock;\n", 'lib/domain/planted.ts');
    expect(errors).toHaveLength(1);
  });

  it('refuse lib/app importing an adapter (lib/messages)', async () => {
    const errors = await layerErrors("import { sendInBatches } from '../messages/sqs-batch';\nexport const y = sendInBatches;\n", 'lib/app/planted.ts');
    expect(errors).toHaveLength(1);
  });

  it('allow lib/app importing lib/domain', async () => {
    const errors = await layerErrors("import type { Clock } from '../domain/clock';\nexport type X = Clock;\n", 'lib/app/planted.ts');
    expect(errors).toEqual([]);
  });
});
