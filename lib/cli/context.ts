/**
 * What a CLI command needs from its configuration: settings from the environment (or a stack's
 * outputs with `--stack NAME`), the DynamoDB stores, the share-request queue and the TeraBox
 * client. Settings are checked all at once, so a command with three missing settings says so in
 * one line instead of failing three times.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ConfigError, readSettings, type Env, type ListEndpointSetting } from '../config/env';
import { readStackOutputs, StackOutputsError } from '../config/stack-outputs';
import {
  credentialsProviderFromEnv,
  parseTeraboxCredentials,
  SecretsManagerCredentialsProvider,
  TeraboxCredentialsError,
  type TeraboxCredentials as ConfigCredentials,
} from '../config/terabox-credentials';
import type { GuardrailLimits } from '../domain/policy-types';
import { SqsShareRequestQueue } from '../messages/sqs-request-queue';
import { DynamoDbAccountRegistry } from '../stores/account-store';
import { createStores, type Stores } from '../stores/create-stores';
import { DynamoDbPolicyStore } from '../stores/policy-store';
import type { TableNames } from '../stores/create-tables';
import { createTeraboxClient, type TeraboxClient, type TeraboxClientOptions } from '../terabox';
import type { PolicyActor } from '../app/store-ports';
import type { RegisteredAccount } from '../app/ports/account-registry';
import { knownAccountIds, requireEnabled, selectAccount, type SelectedAccount } from './account-option';
import { resolveActor, type CallerIdentityLookup } from './caller-identity';
import { UsageError, type CliIo } from './io';

/** Every environment variable the CLI reads, with what it is for (printed by `--help`). */
export const CLI_ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ['TERABOX_BASE_URL', 'TeraBox origin, e.g. https://www.terabox.com (or an emulator URL)'],
  ['TERABOX_NDUS', 'the ndus session cookie (never printed)'],
  ['TERABOX_SECRET_ID', 'Secrets Manager secret with {"ndus","baseUrl"}: used when TERABOX_NDUS is not set'],
  ['TERABOX_LIST_ENDPOINT', 'which share list to read: sharelist (default, /share/teratransfer/sharelist) or record (/share/record)'],
  ['POLICIES_TABLE', 'policies table name'],
  ['SHARES_TABLE', 'share records table name'],
  ['INVENTORY_TABLE', 'inventory table name'],
  ['RUNS_TABLE', 'runs and audit table name'],
  ['REQUEST_QUEUE_URL', 'share-request queue URL (requests send)'],
  ['ACCOUNT_ID', 'account id in the tables (default "default")'],
  ['AWS_REGION', 'AWS region; AWS_PROFILE and AWS_ENDPOINT_URL_<SERVICE> work as in every AWS SDK'],
];

export type TableRole = keyof TableNames;

const TABLE_VARIABLE: Record<TableRole, 'POLICIES_TABLE' | 'SHARES_TABLE' | 'INVENTORY_TABLE' | 'RUNS_TABLE'> = {
  policies: 'POLICIES_TABLE',
  shares: 'SHARES_TABLE',
  inventory: 'INVENTORY_TABLE',
  runs: 'RUNS_TABLE',
};

export interface Requirements {
  tables?: readonly TableRole[];
  requestQueue?: boolean;
  terabox?: boolean;
}

export interface GlobalOptions {
  stack?: string;
  /** `--account ID` of the command (account-option.ts); absent: ACCOUNT_ID. */
  account?: string;
}

export interface ContextDeps {
  cloudFormation?: CloudFormationClient;
  dynamo?: DynamoDBClient;
  /** Passed to createTeraboxClient (tests inject a logger or a shorter retry policy). */
  terabox?: Partial<Omit<TeraboxClientOptions, 'credentials'>>;
  /** Who the caller is for the policy history (default: STS GetCallerIdentity). */
  callerIdentity?: CallerIdentityLookup;
}

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** One command's configuration and the adapters built from it; `close()` releases them. */
export class CliContext {
  private resolvedEnv: Env | undefined;
  private dynamo: DynamoDBClient | undefined;
  private selected: Promise<SelectedAccount> | undefined;
  private readonly closers: Array<() => void> = [];

  constructor(
    readonly io: CliIo,
    readonly globals: GlobalOptions,
    private readonly deps: ContextDeps = {},
  ) {}

  /** The environment, with the stack's outputs filling in what it leaves unset (`--stack`). */
  async env(): Promise<Env> {
    if (this.resolvedEnv !== undefined) return this.resolvedEnv;
    const env: Record<string, string | undefined> = { ...this.io.env };
    if (this.globals.stack !== undefined) {
      let outputs: Record<string, string>;
      try {
        outputs = await readStackOutputs(this.globals.stack, this.deps.cloudFormation ? { client: this.deps.cloudFormation } : {});
      } catch (error) {
        if (error instanceof StackOutputsError) throw new UsageError(error.message);
        throw error;
      }
      for (const [name, value] of Object.entries(outputs)) if (isBlank(env[name])) env[name] = value;
    }
    this.resolvedEnv = env;
    return env;
  }

  /**
   * Checks every setting the command needs and throws one UsageError naming all that are missing
   * (or invalid). Values are never echoed.
   */
  async check(requirements: Requirements): Promise<void> {
    const env = await this.env();
    const missing: string[] = [];
    for (const role of requirements.tables ?? []) {
      const name = TABLE_VARIABLE[role];
      if (isBlank(env[name])) missing.push(name);
    }
    if (requirements.requestQueue === true && isBlank(env.REQUEST_QUEUE_URL)) missing.push('REQUEST_QUEUE_URL');
    // Another account is looked up in the registry (the policies table); its entry names its secret and origin.
    const other = this.namesOtherAccount(env);
    if (other && isBlank(env.POLICIES_TABLE) && !(requirements.tables ?? []).includes('policies')) missing.push('POLICIES_TABLE (the account registry, for --account)');
    // For another account the entry gives the origin and the secret (TERABOX_NDUS, when set, is its cookie).
    const ownTerabox = requirements.terabox === true && !other;
    if (ownTerabox && isBlank(env.TERABOX_NDUS) && isBlank(env.TERABOX_SECRET_ID)) {
      missing.push(isBlank(env.TERABOX_BASE_URL) ? 'TERABOX_NDUS and TERABOX_BASE_URL (or TERABOX_SECRET_ID)' : 'TERABOX_NDUS (or TERABOX_SECRET_ID)');
    } else if (ownTerabox && !isBlank(env.TERABOX_NDUS) && isBlank(env.TERABOX_BASE_URL)) {
      missing.push('TERABOX_BASE_URL');
    }
    if (missing.length > 0) {
      const them = missing.length === 1 ? 'it' : 'them';
      const hint =
        this.globals.stack === undefined
          ? `set ${them} in the environment or pass --stack NAME`
          : `not in the environment nor in the outputs of stack ${this.globals.stack}`;
      throw new UsageError(`missing setting${missing.length === 1 ? '' : 's'}: ${missing.join(', ')} (${hint})`);
    }
    const problems: string[] = [];
    try {
      readSettings(env, [...(requirements.tables ?? []).map((role) => TABLE_VARIABLE[role]), 'ACCOUNT_ID']);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (requirements.requestQueue === true && !isHttpUrl(env.REQUEST_QUEUE_URL)) problems.push('REQUEST_QUEUE_URL must be an http(s) SQS queue URL');
    if (requirements.terabox === true) {
      try {
        readSettings(env, ['TERABOX_LIST_ENDPOINT', 'TERABOX_REQUESTS_PER_SECOND']);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(...error.problems);
      }
    }
    if (problems.length > 0) throw new UsageError(`invalid setting${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
  }

  /** The deployment's own account (ACCOUNT_ID): where the policies are stored, for every account. */
  async deploymentAccountId(): Promise<string> {
    return readSettings(await this.env(), ['ACCOUNT_ID']).ACCOUNT_ID;
  }

  /** The account the command works on: `--account`, else ACCOUNT_ID (account-option.ts). */
  async account(): Promise<SelectedAccount> {
    this.selected ??= (async () => {
      const deployment = await this.deploymentAccountId();
      return selectAccount(this.globals.account, deployment, () => this.registry());
    })();
    return this.selected;
  }

  async accountId(): Promise<string> {
    return (await this.account()).accountId;
  }

  /** Every id a policy's `accounts` may name: the registry's and ACCOUNT_ID (call `check` with the policies table first). */
  async knownAccountIds(): Promise<Set<string>> {
    return knownAccountIds(await this.deploymentAccountId(), this.registry());
  }

  private namesOtherAccount(env: Env): boolean {
    if (this.globals.account === undefined) return false;
    try {
      return this.globals.account !== readSettings(env, ['ACCOUNT_ID']).ACCOUNT_ID;
    } catch {
      return true;
    }
  }

  private registry(): DynamoDbAccountRegistry {
    const tableName = this.resolvedEnv?.POLICIES_TABLE?.trim() ?? '';
    if (tableName === '') throw new UsageError('--account needs POLICIES_TABLE (the account registry is in the policies table): set it or pass --stack NAME');
    return new DynamoDbAccountRegistry({ client: this.dynamoClient(), tableName });
  }

  /** Global guardrails and dry-run switch, with the Lambda's defaults (500, 20 %, false). */
  async guardrails(): Promise<{ limits: GuardrailLimits; globalDryRun: boolean }> {
    const env = await this.env();
    try {
      const s = readSettings({ GLOBAL_DRY_RUN: 'false', ...env }, ['MAX_CANCELLATIONS_PER_RUN', 'MAX_CANCELLATION_PERCENT', 'GLOBAL_DRY_RUN']);
      // A registered account's own guardrails, each field else the deployment's.
      const own = (await this.account()).entry?.guardrails;
      return {
        limits: {
          maxCancellations: own?.maxCancellations ?? s.MAX_CANCELLATIONS_PER_RUN,
          maxCancellationPercent: own?.maxCancellationPercent ?? s.MAX_CANCELLATION_PERCENT,
        },
        globalDryRun: s.GLOBAL_DRY_RUN,
      };
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`invalid settings: ${error.problems.join('; ')}`);
      throw error;
    }
  }

  /** Who makes a policy change: the AWS caller identity, or the OS user name where there is none (caller-identity.ts). */
  async actor(): Promise<PolicyActor> {
    return resolveActor(await this.env(), this.deps.callerIdentity);
  }

  /** The DynamoDB client: the SDK's defaults (AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB). */
  dynamoClient(): DynamoDBClient {
    if (this.deps.dynamo) return this.deps.dynamo;
    if (this.dynamo === undefined) {
      const client = new DynamoDBClient({});
      this.dynamo = client;
      this.closers.push(() => client.destroy());
    }
    return this.dynamo;
  }

  /** The stores over the configured tables, for the account worked on (call `check` with the tables first). */
  async stores(): Promise<Stores> {
    return this.storesOf(await this.accountId());
  }

  /** The stores of `accountId` (policies: always the deployment account's partition). */
  async storesOf(accountId: string): Promise<Stores> {
    const env = await this.env();
    const names: TableNames = {
      policies: env.POLICIES_TABLE?.trim() ?? '',
      shares: env.SHARES_TABLE?.trim() ?? '',
      inventory: env.INVENTORY_TABLE?.trim() ?? '',
      runs: env.RUNS_TABLE?.trim() ?? '',
    };
    const stores = createStores({ client: this.dynamoClient(), names, accountId });
    // Policies are stored once, in the deployment account's partition, whichever account is worked on.
    stores.policies = new DynamoDbPolicyStore({ client: this.dynamoClient(), tableName: names.policies, accountId: await this.deploymentAccountId() });
    return stores;
  }

  async requestQueue(): Promise<SqsShareRequestQueue> {
    const env = await this.env();
    return new SqsShareRequestQueue({ queueUrl: (env.REQUEST_QUEUE_URL ?? '').trim() });
  }

  /** TeraBox credentials from TERABOX_NDUS + TERABOX_BASE_URL, else the secret TERABOX_SECRET_ID. */
  async teraboxCredentials(): Promise<ConfigCredentials> {
    const env = await this.env();
    const account = await this.account();
    try {
      if (!account.deployment) return await this.accountCredentials(env, account.entry);
      return await credentialsProviderFromEnv(env).get();
    } catch (error) {
      if (error instanceof TeraboxCredentialsError) throw new UsageError(error.message);
      throw error;
    }
  }

  /**
   * A registered account's credentials: its origin from the entry, its cookie from TERABOX_NDUS
   * when that is set (said on stderr, since it overrides the account's secret), else from its secret.
   */
  private async accountCredentials(env: Env, entry: RegisteredAccount): Promise<ConfigCredentials> {
    requireEnabled({ accountId: entry.accountId, deployment: false, entry });
    if (!isBlank(env.TERABOX_NDUS)) {
      this.io.err(`share-lifecycle: account ${entry.accountId}: using TERABOX_NDUS as its cookie (unset it to use its secret ${entry.secretName})\n`);
      return parseTeraboxCredentials({ ndus: env.TERABOX_NDUS?.trim(), baseUrl: entry.baseUrl }, `the environment and account ${entry.accountId}`, { ndus: 'TERABOX_NDUS' });
    }
    const secret = await new SecretsManagerCredentialsProvider({ secretId: entry.secretName, cacheSeconds: 0 }).get();
    return { ...secret, baseUrl: entry.baseUrl };
  }

  /** The share list endpoint sweeps use (TERABOX_LIST_ENDPOINT; undefined = the client's default). */
  async teraboxListEndpoint(): Promise<ListEndpointSetting | undefined> {
    return readSettings(await this.env(), ['TERABOX_LIST_ENDPOINT']).TERABOX_LIST_ENDPOINT;
  }

  /** The pace of TeraBox requests (the account entry's, else TERABOX_REQUESTS_PER_SECOND; undefined = none). */
  async teraboxRequestsPerSecond(): Promise<number | undefined> {
    const own = (await this.account()).entry?.requestsPerSecond;
    return own ?? readSettings(await this.env(), ['TERABOX_REQUESTS_PER_SECOND']).TERABOX_REQUESTS_PER_SECOND;
  }

  /** A TeraBox client for the configured account (call `check({ terabox: true })` first). */
  async teraboxClient(): Promise<TeraboxClient> {
    const credentials = await this.teraboxCredentials();
    const listEndpoint = await this.teraboxListEndpoint();
    const requestsPerSecond = await this.teraboxRequestsPerSecond();
    const client = createTeraboxClient({
      listEndpoint,
      ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}),
      ...this.deps.terabox,
      credentials: { ndus: credentials.ndus, baseUrl: credentials.baseUrl, jsToken: credentials.jsToken, bdstoken: credentials.bdstoken },
    });
    this.closers.push(() => client.close());
    return client;
  }

  /** Registers a cleanup to run on close (servers the command started, for example). */
  onClose(closer: () => void): void {
    this.closers.push(closer);
  }

  close(): void {
    for (const close of this.closers.splice(0).reverse()) {
      try {
        close();
      } catch {
        // Closing is best effort: the command's own result matters more.
      }
    }
  }
}

function isHttpUrl(value: string | undefined): boolean {
  try {
    const url = new URL((value ?? '').trim());
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
