import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuildAppOptions, type ShareLifecycleApp } from '../../../infra/app';
import { CONTEXT_KEYS, type StackConfig } from '../../../infra/config';

const CDK_JSON = path.resolve(__dirname, '..', '..', '..', 'cdk.json');

/** The `context` block of cdk.json, i.e. what `cdk synth` starts from. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }).context;
}

/**
 * Context overrides by config field (`{ globalDryRun: 'false' }` sets `shareLifecycle:globalDryRun`).
 * Values are `unknown` on purpose: tests also pass what `-c key=value` gives (strings) and garbage.
 */
export type ContextOverrides = Partial<Record<keyof StackConfig, unknown>>;

/** cdk.json's context plus overrides, with bundling skipped (assertion tests need no bundles). */
export function stackContext(overrides: ContextOverrides = {}): Record<string, unknown> {
  const context: Record<string, unknown> = { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] };
  for (const [field, value] of Object.entries(overrides)) {
    context[CONTEXT_KEYS[field as keyof StackConfig]] = value;
  }
  return context;
}

export interface Synthesized extends ShareLifecycleApp {
  template: Template;
  /** `stack.resolve(...)`: the CloudFormation form of a token, for use inside matchers. */
  ref(value: unknown): unknown;
  /** Removes the synthesized cloud assembly. */
  cleanup(): void;
}

export interface SynthesizeOptions extends BuildAppOptions {
  /**
   * Run CDK's built-in CloudFormation template validation (a WebAssembly rule engine, about two
   * seconds a synth) as `cdk synth` does. Off by default; the cdk-nag test turns it on.
   */
  cloudFormationValidation?: boolean;
}

/** Builds the real app (as infra/app.ts does) with the given context and synthesizes its template. */
export function synthesize(overrides: ContextOverrides = {}, options: SynthesizeOptions = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
  const built = buildApp(
    { context: stackContext(overrides), outdir, builtinCloudFormationValidation: options.cloudFormationValidation ?? false },
    options,
  );
  const template = Template.fromStack(built.stack);
  return {
    ...built,
    template,
    ref: (value) => built.stack.resolve(value),
    cleanup: () => fs.rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Builds the app without synthesizing it. Asset staging still wants a directory: `cleanup()` removes it. */
export function build(overrides: ContextOverrides = {}, options: BuildAppOptions = {}): ShareLifecycleApp & { cleanup(): void } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
  const cleanup = () => fs.rmSync(outdir, { recursive: true, force: true });
  try {
    return { ...buildApp({ context: stackContext(overrides), outdir }, options), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
