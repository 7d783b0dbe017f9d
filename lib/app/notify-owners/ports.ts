/** What the notifier talks to: the mailer (SES), the directory, the ledger and the inventory. */
import type { Clock } from '../../domain/clock';
import type { InventoryStore, NoticeLedger, RequesterDirectory } from '../store-ports';
import type { DigestSettings } from './digest';

export interface OutgoingMail {
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Sends one mail; resolves with the provider's message id once it accepted it, else throws a named error. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

/** A mail the provider did not accept (or that could not reach it). The message names no address. */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  constructor(
    message: string,
    /** The provider's error name (`Throttling`, `MessageRejected`, `ECONNREFUSED`...). */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface NotifierLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface NotifySettings extends DigestSettings {
  /** A claim older than this is taken over (its holder died between claim and send). Default 5 min. */
  claimStaleMs?: number;
  /** Digests prepared and sent at once (the mailer paces the sends themselves). Default 4. */
  concurrency?: number;
}

export interface NotifyDeps {
  directory: Pick<RequesterDirectory, 'get' | 'getFallback'>;
  ledger: NoticeLedger;
  inventory: Pick<InventoryStore, 'setNotified'>;
  mailer: Mailer;
  clock: Clock;
  settings: NotifySettings;
  metrics?: { add(name: string, value: number): void };
  log?: NotifierLog;
}
