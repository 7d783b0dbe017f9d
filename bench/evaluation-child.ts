/**
 * The evaluation benchmark (bench/evaluation.ts) in its own Node process, so that its million
 * synthetic shares neither share a heap with the other benchmarks nor hide in their peak memory.
 */
import { runEvaluationBench, type EvaluationBenchResult } from './evaluation';
import { childMain, startPeakSampler, type PeakMemory } from './support';

export interface EvaluationChildInput {
  count: number;
  runs: number;
}

export type EvaluationChildResult = EvaluationBenchResult & { memory: PeakMemory };

export async function run(input: EvaluationChildInput): Promise<EvaluationChildResult> {
  const sampler = startPeakSampler();
  const result = await runEvaluationBench({ count: input.count, runs: input.runs });
  return { ...result, memory: sampler.stop() };
}

if (require.main === module) childMain(run);
