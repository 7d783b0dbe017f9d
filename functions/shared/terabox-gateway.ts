/**
 * The TeraBox gateway the handlers use: a TeraBox client built from the credentials provider on
 * first use, kept across invocations of a warm Lambda, and rebuilt when the credentials change.
 *
 * On an auth failure (the ndus cookie expired or was revoked) it forgets the cached credentials
 * (`invalidate()`), drops the client, reports the failure once through `onAuthFailure` (the
 * runtime counts the `TeraboxAuthFailures` metric there, which raises the alarm) and rethrows: the
 * next call re-reads the secret, so a cookie the operator rotated is picked up without a cold start.
 *
 * A verification request (errno 9019 / 400141 / 132: TeraBox wants a person to confirm the session
 * in a browser) is reported through `onVerificationRequired` (the `TeraboxVerificationRequired`
 * metric and alarm) and rethrown; the credentials stay, since a new cookie would not help.
 */
import type { TeraboxCredentials, TeraboxCredentialsProvider } from '../../lib/config/terabox-credentials';
import type { CancelOutcome, ChunkPage, CreateShareInput, CreatedShare, ListingCursor, PaginateOptions, ReadChunkOptions, ShareChunkReader, TeraboxGateway } from '../../lib/app/ports';
import type { Share, ShareId } from '../../lib/domain/share';
import { TeraboxAuthError, TeraboxVerificationRequiredError, type TeraboxClient, type TeraboxClientOptions } from '../../lib/terabox';

/** Builds a client from credentials (`createTeraboxClient` with the runtime's options by default). */
export type TeraboxClientFactory = (credentials: TeraboxCredentials) => TeraboxClient;

export interface ReconnectingTeraboxGatewayOptions {
  credentials: TeraboxCredentialsProvider;
  build: TeraboxClientFactory;
  /** Called once per auth failure seen, after the credentials were invalidated. */
  onAuthFailure?: (error: TeraboxAuthError | Error) => void;
  /** Called once per verification request seen (a person must act in a browser). */
  onVerificationRequired?: (error: Error) => void;
}

/** The prefix the TeraBox client gives a cancel outcome failed by an auth error (client.ts `describe`). */
const AUTH_FAILURE_PREFIX = `${new TeraboxAuthError('x').name}:`;
/** Likewise for a verification request that stopped the cancels. */
const VERIFICATION_PREFIX = `${new TeraboxVerificationRequiredError(9019, '/share/cancel').name}:`;

function sameCredentials(a: TeraboxCredentials, b: TeraboxCredentials): boolean {
  return a.ndus === b.ndus && a.baseUrl === b.baseUrl && a.jsToken === b.jsToken && a.bdstoken === b.bdstoken;
}

/** A `TeraboxGateway` over a client rebuilt from fresh credentials after an auth failure. */
export class ReconnectingTeraboxGateway implements TeraboxGateway, ShareChunkReader {
  private current: { credentials: TeraboxCredentials; client: TeraboxClient } | undefined;
  // Clients replaced while other calls of the same batch may still use them: closed by close().
  private readonly retired: TeraboxClient[] = [];

  constructor(private readonly options: ReconnectingTeraboxGatewayOptions) {}

  /**
   * The client for the current credentials (built or rebuilt as needed). Throws the provider's
   * `TeraboxCredentialsError` when the secret cannot be read. For callers that need more than the
   * port (checkLogin, listFiles); errors of such calls do not trigger the auth handling.
   */
  async client(): Promise<TeraboxClient> {
    const credentials = await this.options.credentials.get();
    if (this.current !== undefined && sameCredentials(this.current.credentials, credentials)) return this.current.client;
    if (this.current !== undefined) this.retired.push(this.current.client);
    const client = this.options.build(credentials);
    this.current = { credentials, client };
    return client;
  }

  async createShare(input: CreateShareInput): Promise<CreatedShare> {
    const client = await this.client();
    try {
      return await client.createShare(input);
    } catch (error) {
      this.afterError(error, client);
      throw error;
    }
  }

  async *paginateShares(options?: PaginateOptions): AsyncGenerator<Share, void, undefined> {
    const client = await this.client();
    try {
      yield* client.paginateShares(options);
    } catch (error) {
      this.afterError(error, client);
      throw error;
    }
  }

  async readChunk(options: ReadChunkOptions, onPage: (page: ChunkPage) => Promise<void>): Promise<ListingCursor> {
    const client = await this.client();
    try {
      return await client.readChunk(options, onPage);
    } catch (error) {
      this.afterError(error, client);
      throw error;
    }
  }

  /**
   * The client never throws for a failed cancel: an auth failure stops its run and comes back as
   * `failed` outcomes whose error starts with `TeraboxAuthError:`; that is what is looked for here.
   */
  async cancelShares(ids: ShareId[]): Promise<CancelOutcome[]> {
    const client = await this.client();
    let outcomes: CancelOutcome[];
    try {
      outcomes = await client.cancelShares(ids);
    } catch (error) {
      this.afterError(error, client);
      throw error;
    }
    const auth = outcomes.find((o) => o.outcome === 'failed' && (o.error ?? '').startsWith(AUTH_FAILURE_PREFIX));
    if (auth !== undefined) this.authFailed(new Error(auth.error), client);
    const verification = outcomes.find((o) => o.outcome === 'failed' && (o.error ?? '').startsWith(VERIFICATION_PREFIX));
    if (verification !== undefined) this.options.onVerificationRequired?.(new Error(verification.error));
    return outcomes;
  }

  /** Closes every client this gateway built (keep-alive sockets). */
  close(): void {
    for (const client of this.retired.splice(0)) client.close();
    this.current?.client.close();
    this.current = undefined;
  }

  private afterError(error: unknown, client: TeraboxClient): void {
    if (error instanceof TeraboxAuthError) this.authFailed(error, client);
    else if (error instanceof TeraboxVerificationRequiredError) this.options.onVerificationRequired?.(error);
  }

  private authFailed(error: Error, client: TeraboxClient): void {
    this.options.credentials.invalidate();
    if (this.current?.client === client) {
      this.retired.push(client);
      this.current = undefined;
    }
    this.options.onAuthFailure?.(error);
  }
}

/** Options of the clients a runtime builds (everything but the credentials). */
export type TeraboxClientSettings = Partial<Omit<TeraboxClientOptions, 'credentials'>>;
