/** Builds the notify-owners adapters and use case (the handler only parses, calls and shapes). */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { notifyOwners, type Mailer, type NoticeRecord, type NotifyDeps, type NotifyOutcome } from '../../lib/app/notify-owners';
import { systemClock, type Clock } from '../../lib/app/ports';
import type { InventoryStore, NoticeLedger, RequesterDirectory } from '../../lib/app/store-ports';
import type { NotifyConfig } from '../../lib/config/env';
import { SesMailer } from '../../lib/messages/ses-mailer';
import { DynamoDbInventoryStore, DynamoDbNoticeLedger, DynamoDbRequesterDirectory } from '../../lib/stores';
import { createObservability, useCaseLog } from '../shared';
import { MetricUnit } from '../shared/observability';

export const FUNCTION_NAME = 'notify-owners';

export interface NotifyOwnersHandlerDeps {
  config: NotifyConfig;
  overrides?: {
    logger?: Logger;
    metrics?: Metrics;
    clock?: Clock;
    /** Shared by the stores; default `new DynamoDBClient({})`. */
    dynamoClient?: DynamoDBClient;
    /** Default `new SESv2Client({})` (`AWS_ENDPOINT_URL_SESV2` points it at a local server). */
    sesClient?: SESv2Client;
    mailer?: Mailer;
    directory?: RequesterDirectory;
    ledger?: NoticeLedger;
    inventory?: InventoryStore;
  };
}

export interface ComposedNotify {
  logger: Logger;
  metrics: Metrics;
  notify(records: readonly NoticeRecord[]): Promise<NotifyOutcome>;
}

export function composeNotify(deps: NotifyOwnersHandlerDeps): ComposedNotify {
  const { config, overrides = {} } = deps;
  const defaults = overrides.logger === undefined || overrides.metrics === undefined ? createObservability(FUNCTION_NAME) : undefined;
  const logger = overrides.logger ?? (defaults as { logger: Logger }).logger;
  const metrics = overrides.metrics ?? (defaults as { metrics: Metrics }).metrics;
  const common = { ...(overrides.dynamoClient ? { client: overrides.dynamoClient } : {}), accountId: config.accountId };
  const useCase: NotifyDeps = {
    directory: overrides.directory ?? new DynamoDbRequesterDirectory({ ...common, tableName: config.policiesTable }),
    ledger: overrides.ledger ?? new DynamoDbNoticeLedger({ ...common, tableName: config.runsTable }),
    inventory: overrides.inventory ?? new DynamoDbInventoryStore({ ...common, tableName: config.inventoryTable }),
    mailer:
      overrides.mailer ??
      new SesMailer({
        ...(overrides.sesClient ? { client: overrides.sesClient } : {}),
        from: config.sender,
        ...(config.replyTo !== undefined ? { replyTo: config.replyTo } : {}),
        ...(config.configurationSet !== undefined ? { configurationSet: config.configurationSet } : {}),
        sendsPerSecond: config.sendsPerSecond,
      }),
    clock: overrides.clock ?? systemClock,
    settings: { linkBase: config.linkBase, exemptionContact: config.replyTo ?? config.sender },
    metrics: { add: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) },
    log: useCaseLog(logger),
  };
  return { logger, metrics, notify: (records) => notifyOwners(useCase, records) };
}
