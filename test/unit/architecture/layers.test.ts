import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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

  it('refuse lib/shared importing any other lib folder', async () => {
    const errors = await layerErrors("import type { Clock } from '../domain/clock';\nexport type X = Clock;\n", 'lib/shared/planted.ts');
    expect(errors).toHaveLength(1);
  });

  it('refuse a handler importing the CLI or the local run', async () => {
    const code = "import { main } from '../../lib/cli/main';\nimport { runLifecycle } from '../../local/lifecycle';\nexport const z = [main, runLifecycle];\n";
    const errors = await layerErrors(code, 'functions/sweep-shares/planted.ts');
    expect(errors).toHaveLength(2);
  });
});

/** The folder of a source file, as the layers name them: lib/<folder>, else the top-level folder. */
function folderOf(file: string): string {
  const parts = relative(root, file).split('/');
  return parts[0] === 'lib' ? `lib/${parts[1]}` : parts[0]!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

describe('folder imports', () => {
  it('form no cycle between folders (lib/* and the top-level folders)', () => {
    const edges = new Map<string, Set<string>>();
    for (const top of ['lib', 'functions', 'infra', 'local', 'bench']) {
      for (const file of sourceFiles(join(root, top))) {
        const from = folderOf(file);
        for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
          const to = folderOf(resolve(dirname(file), m[1]!));
          if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
        }
      }
    }
    // Depth-first search for a back edge; the cycle found is named in the failure.
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      state.set(node, 'open');
      for (const next of edges.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), node, next].join(' -> '));
        else if (!state.has(next)) visit(next, [...path, node]);
      }
      state.set(node, 'done');
    };
    for (const node of edges.keys()) if (!state.has(node)) visit(node, []);
    expect(edges.get('lib/app')?.has('lib/domain')).toBe(true); // the graph was read at all
    expect(cycles).toEqual([]);
  });
});
