import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** AWS's advice for an SQS-triggered Lambda: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface SecureQueueProps {
  /** Timeout of the function that consumes the queue; the visibility timeout is derived from it. */
  consumerTimeout: Duration;
  /** The event source's batching window, added to the visibility timeout as AWS advises. Default none. */
  consumerBatchingWindow?: Duration;
  /** Receives before a message moves to the dead-letter queue. Default 5. */
  maxReceiveCount?: number;
  /** How long the main queue keeps an unprocessed message. Default 4 days. */
  retentionPeriod?: Duration;
}

/**
 * An SQS queue with a dead-letter queue and secure defaults: SSE-SQS encryption (no key policy to
 * get wrong, nothing for consumers to be granted), a queue policy that denies non-TLS requests,
 * a visibility timeout longer than six consumer timeouts (so that a message is not handed to a
 * second consumer while the first still works on it), and a DLQ that keeps messages for the
 * maximum 14 days and survives stack deletion, because it holds the only copy of failed requests.
 */
export class SecureQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: SecureQueueProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchingSeconds = props.consumerBatchingWindow?.toSeconds() ?? 0;
    // A 30 s margin on top of AWS's minimum: the consumer's own retries and the SQS poller's
    // bookkeeping take a little longer than the bare function timeout.
    const visibilitySeconds = props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR + batchingSeconds + 30;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(visibilitySeconds),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
  }
}
