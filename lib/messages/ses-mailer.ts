/**
 * The mailer port on Amazon SES (API v2, `SendEmail` with a simple text + HTML message).
 *
 * Sends are paced by the project's request pacer (lib/terabox/pacer.ts): at most
 * `sendsPerSecond` sends start in any second from one instance, and SES answering `Throttling`
 * / `TooManyRequestsException` slows the pace down for a minute, as TeraBox's overload answers do.
 * The SDK's own retries (3 attempts, backoff) handle a transient failure; what is left becomes a
 * `MailSendError` naming SES's error, never an address or the mail's content.
 */
import { performance } from 'node:perf_hooks';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingMail } from '../app/notify-owners/ports';
import { MailSendError } from '../app/notify-owners/ports';
import { sleepMs } from '../shared/backoff';
import { RequestPacer } from '../terabox/pacer';

export interface SesMailerOptions {
  /** Default: `new SESv2Client({})` (SDK defaults; `AWS_ENDPOINT_URL_SESV2` points it elsewhere). */
  client?: SESv2Client;
  /** The verified identity mail is sent from (an address, or an address at a verified domain). */
  from: string;
  replyTo?: string;
  configurationSet?: string;
  /** SES's per-second send limit share of this instance (default 1). */
  sendsPerSecond?: number;
}

const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'LimitExceededException']);

export class SesMailer implements Mailer {
  private readonly client: SESv2Client;
  private readonly pacer: RequestPacer;

  constructor(private readonly options: SesMailerOptions) {
    this.client = options.client ?? new SESv2Client({});
    this.pacer = new RequestPacer({ requestsPerSecond: options.sendsPerSecond ?? 1, now: () => performance.now(), sleep: (ms) => sleepMs(ms) });
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    await this.pacer.take();
    let messageId: string | undefined;
    try {
      const out = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [...mail.to] },
          ...(this.options.replyTo !== undefined ? { ReplyToAddresses: [this.options.replyTo] } : {}),
          ...(this.options.configurationSet !== undefined ? { ConfigurationSetName: this.options.configurationSet } : {}),
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
            },
          },
        }),
      );
      messageId = out.MessageId;
    } catch (error) {
      const code = errorCode(error);
      if (THROTTLED.has(code)) this.pacer.slowDown();
      throw new MailSendError(`SES did not accept the mail (${code})`, code, { cause: error });
    }
    if (messageId === undefined || messageId === '') throw new MailSendError('SES answered without a message id', 'NoMessageId');
    return { messageId };
  }
}

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown';
  const e = error as { name?: unknown; code?: unknown };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  return typeof e.name === 'string' && e.name !== '' ? e.name : 'Unknown';
}
