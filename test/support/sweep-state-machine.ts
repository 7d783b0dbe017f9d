/**
 * The deployed sweep state machine, run in-process: `sweepDefinition()` is the Amazon States
 * Language definition from the synthesized template, and `runSweepMachine()` executes it with
 * aws-local-stepfunctions, each Task state bound to a local handler (a scripted one to test the
 * definition's control flow, or the real sweep handler to test the steps end to end).
 *
 * Needs Promise.withResolvers: load test/support/promise-with-resolvers.ts as a jest setup file.
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { SweepStepEvent } from '../../lib/contracts/sweep-steps';
import { synthesize, type Synthesized } from '../infra/support/synth';

/** Stands in for the sweep function's ARN (a token in the template) in every Task state. */
export const FAKE_SWEEP_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:TeraboxShareLifecycle-SweepShares';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
interface AslState {
  Type: string;
  [field: string]: unknown;
}
export interface SweepDefinition {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

let cached: SweepDefinition | undefined;
let executions = 0;

/** The `Fn::Join` of a DefinitionString, each token part replaced by what `resolvePart` gives. */
function joinDefinition(definitionString: unknown, resolvePart: (part: unknown) => string): string {
  if (typeof definitionString === 'string') return definitionString;
  const join = (definitionString as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected DefinitionString: ${JSON.stringify(definitionString).slice(0, 200)}`);
  const [separator, parts] = join;
  return parts.map((part) => (typeof part === 'string' ? part : resolvePart(part))).join(separator);
}

/** The sweep state machine's definition in a synthesized stack, the sweep function's ARN replaced by FAKE_SWEEP_FUNCTION_ARN. */
export function definitionFrom(synthesized: Synthesized): SweepDefinition {
  const machines = Object.values(synthesized.template.findResources('AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const sweepArn = JSON.stringify(synthesized.ref(synthesized.stack.functions['sweep-shares'].function.functionArn));
  const text = joinDefinition((machines[0]!.Properties as { DefinitionString: unknown }).DefinitionString, (part) => {
    if (JSON.stringify(part) === sweepArn) return FAKE_SWEEP_FUNCTION_ARN;
    throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
  });
  return JSON.parse(text) as SweepDefinition;
}

/** The definition from the stack as cdk.json configures it (synthesized once per test file); a fresh copy each call. */
export function sweepDefinition(): SweepDefinition {
  if (cached === undefined) {
    const synthesized = synthesize();
    try {
      cached = definitionFrom(synthesized);
    } finally {
      synthesized.cleanup();
    }
  }
  return structuredClone(cached);
}

/** Every state of the definition by name, those of a Map's ItemProcessor (the per-account chain) included. */
export function allStates(definition: Pick<SweepDefinition, 'States'> = sweepDefinition()): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    states[name] = state;
    const processor = state.ItemProcessor as Pick<SweepDefinition, 'States'> | undefined;
    if (processor) Object.assign(states, allStates(processor));
  }
  return states;
}

/** The names of the definition's Task states, inside the Map too (the ones a local handler stands in for). */
export function taskStateNames(definition: SweepDefinition = sweepDefinition()): string[] {
  return Object.entries(allStates(definition))
    .filter(([, state]) => state.Type === 'Task')
    .map(([name]) => name);
}

export type SweepStepHandler = (event: SweepStepEvent) => Promise<unknown>;

/** How an execution ended, and the states it entered in order. */
export type SweepMachineOutcome = { states: string[] } & (
  | { status: 'succeeded'; output: unknown }
  | { status: 'failed'; error: string; cause: string | undefined }
);

/**
 * Runs the sweep state machine on `input`, every Task state calling `handler` with the step event
 * the definition builds. Retries happen without their pauses (the definition's Retry fields
 * still decide which errors are retried and how often). Resolves with how the execution ended.
 */
export async function runSweepMachine(input: unknown, handler: SweepStepHandler, options: { executionName?: string } = {}): Promise<SweepMachineOutcome> {
  const definition = sweepDefinition();
  const tasks = taskStateNames(definition);
  const machine = new StateMachine(definition as unknown as StateMachineDefinition);
  executions += 1;
  const name = options.executionName ?? `local-${executions}`;
  const execution = machine.run(input as Json, {
    // What Step Functions puts in the context object ($$.Execution) and the Start step passes on.
    context: { Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:SweepStateMachine:${name}`, Name: name, StartTime: new Date().toISOString() } },
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(tasks.map((name) => [name, (event: unknown) => handler(event as SweepStepEvent) as Promise<Json>])),
      retryIntervalOverrides: Object.fromEntries(tasks.map((name) => [name, 0])),
    },
  });
  const states: string[] = [];
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  try {
    const output: unknown = await execution.result;
    await logged;
    return { states, status: 'succeeded', output };
  } catch (error) {
    await logged;
    if (!(error instanceof ExecutionError)) throw error;
    const cause = error.cause instanceof Error ? error.cause : undefined;
    return { states, status: 'failed', error: cause?.name ?? 'Unknown', cause: cause?.message };
  }
}
