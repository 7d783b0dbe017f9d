/**
 * The per-account auth metric as CloudWatch receives it (embedded metric format on stdout): the
 * stack's per-account alarms select `{ account, service }`, so both dimensions must be there.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ACCOUNT_DIMENSION, countAccountMetric } from '../../../functions/shared/observability';
import { METRICS_NAMESPACE, PRODUCT_METRICS } from '../../../infra/stack/names';
import { captureOutput } from '../../reliability/support/world';

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [field: string]: unknown;
}

function emitted(run: (metrics: Metrics) => void): EmfLine[] {
  const output = captureOutput();
  try {
    const metrics = new Metrics({ serviceName: 'cancel-shares', namespace: METRICS_NAMESPACE });
    run(metrics);
    metrics.publishStoredMetrics();
  } finally {
    output.restore();
  }
  return output
    .lines()
    .map((line) => JSON.parse(line) as EmfLine)
    .filter((line) => line._aws !== undefined);
}

describe('countAccountMetric', () => {
  it('publishes the counter once without the account (the alarms over all accounts) and once with account and service', () => {
    const lines = emitted((metrics) => countAccountMetric(metrics, PRODUCT_METRICS.authFailures, 'brand'));
    const withAccount = lines.filter((l) => l[ACCOUNT_DIMENSION] === 'brand');
    const without = lines.filter((l) => l[ACCOUNT_DIMENSION] === undefined);
    expect(withAccount).toHaveLength(1);
    expect(withAccount[0]).toMatchObject({ service: 'cancel-shares', [PRODUCT_METRICS.authFailures]: 1 });
    expect(withAccount[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: METRICS_NAMESPACE, Metrics: [expect.objectContaining({ Name: PRODUCT_METRICS.authFailures })] });
    expect(withAccount[0]!._aws.CloudWatchMetrics[0]!.Dimensions.map((d) => [...d].sort())).toEqual([['account', 'service']]);
    expect(without).toHaveLength(1);
    expect(without[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  });
});
