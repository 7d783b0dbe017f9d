import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { notifyOwners, MailSendError, type NoticeRecord, type NotifyDeps, type OutgoingMail } from '../../../lib/app/notify-owners';
import type { DigestClaim, NoticeLedger } from '../../../lib/app/store-ports';
import type { MarkNotice } from '../../../lib/contracts/notice-event';
import { SesMailer } from '../../../lib/messages/ses-mailer';

const NOW = 1_900_000_000_000;

function aRecord(id: string, overrides: Partial<MarkNotice> = {}): NoticeRecord {
  return { id, notice: { runId: 'run-1', shareId: id.replace(/\D/g, '') || '1', policyId: 'p', graceHours: 24, reason: 'r (p)', paths: ['/a'], pathCount: 1, requester: 'marketing', ...overrides } };
}

/** A ledger that answers each claim with what `answer` says (default: claimed). */
function fakeLedger(answer: (recipient: string) => DigestClaim = () => ({ kind: 'claimed', token: 't' })): NoticeLedger & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    claim: async (i) => (calls.push(`claim ${i.recipient} ${i.marks.join(',')}`), answer(i.recipient)),
    markSent: async (i) => (calls.push(`sent ${i.recipient}`), true),
    release: async (i) => void calls.push(`release ${i.recipient}`),
  };
}

function deps(overrides: Partial<NotifyDeps> = {}): NotifyDeps & { sent: OutgoingMail[]; notified: unknown[] } {
  const sent: OutgoingMail[] = [];
  const notified: unknown[] = [];
  return {
    sent,
    notified,
    directory: {
      get: async (r) => (r === 'marketing' ? { requester: r, emails: ['mkt@example.com'], createdAtMs: 0, updatedAtMs: 0 } : undefined),
      getFallback: async () => undefined,
    },
    ledger: fakeLedger(),
    inventory: { setNotified: async (marks, at) => (notified.push({ marks, at }), marks.length) },
    mailer: { send: async (mail) => (sent.push(mail), { messageId: `m-${sent.length}` }) },
    clock: { now: () => NOW },
    settings: { linkBase: 'https://www.terabox.com', exemptionContact: 'admin@example.com' },
    ...overrides,
  };
}

describe('notifyOwners', () => {
  it('counts a mark delivered twice in one batch once', async () => {
    const d = deps();
    const out = await notifyOwners(d, [aRecord('m1'), aRecord('m1-again', { shareId: '1' }), aRecord('m2')]);
    expect(out.digests).toEqual([expect.objectContaining({ status: 'sent', marks: ['1/p', '2/p'], addresses: 1 })]);
    expect(d.sent).toHaveLength(1);
    expect(d.notified).toEqual([{ marks: [{ shareId: '1', policyId: 'p' }, { shareId: '2', policyId: 'p' }], at: NOW }]);
  });

  it('hands the records back when another invocation holds the claim, and sends nothing', async () => {
    const d = deps({ ledger: fakeLedger(() => ({ kind: 'busy' })) });
    expect(await notifyOwners(d, [aRecord('m1'), aRecord('m2')])).toEqual({ digests: [expect.objectContaining({ status: 'busy' })], retry: ['m1', 'm2'] });
    expect(d.sent).toEqual([]);
  });

  it('sends nothing for marks of a digest already sent, and leaves marks that came too late for the next run', async () => {
    const d = deps({ ledger: fakeLedger(() => ({ kind: 'sent', marks: ['1/p'], messageId: 'old' })) });
    const out = await notifyOwners(d, [aRecord('m1'), aRecord('m2')]);
    expect(out.digests.map((o) => [o.status, o.marks])).toEqual([
      ['duplicate', ['1/p']],
      ['deferred', ['2/p']],
    ]);
    expect([d.sent, d.notified, out.retry]).toEqual([[], [], []]);
  });

  it('leaves the notices of a requester with no address and no fallback undelivered, and counts them', async () => {
    const metrics: [string, number][] = [];
    const d = deps({ metrics: { add: (n, v) => void metrics.push([n, v]) } });
    const out = await notifyOwners(d, [aRecord('m1', { requester: 'nobody' }), aRecord('m2', { requester: undefined })]);
    expect(out.digests.map((o) => o.status)).toEqual(['unaddressed', 'unaddressed']);
    expect(metrics).toEqual([
      ['NoticesUnaddressed', 1],
      ['NoticesUnaddressed', 1],
    ]);
    expect(d.sent).toEqual([]);
  });

  it('releases the claim of a failed send, records nothing, and does not hand the records back', async () => {
    const ledger = fakeLedger();
    const d = deps({ ledger, mailer: { send: async () => Promise.reject(new MailSendError('SES did not accept the mail (MessageRejected)', 'MessageRejected')) } });
    const out = await notifyOwners(d, [aRecord('m1')]);
    expect(out).toEqual({ digests: [expect.objectContaining({ status: 'failed', error: 'MailSendError: SES did not accept the mail (MessageRejected)' })], retry: [] });
    expect(ledger.calls).toEqual(['claim requester#marketing 1/p', 'release requester#marketing']);
    expect(d.notified).toEqual([]);
  });

  it('hands back the records of a group whose store failed, and still sends the other groups', async () => {
    const d = deps({
      directory: {
        get: async (r) => (r === 'sales' ? { requester: r, emails: ['s@example.com'], createdAtMs: 0, updatedAtMs: 0 } : undefined),
        getFallback: async () => Promise.reject(new Error('DynamoDB unavailable')),
      },
    });
    const out = await notifyOwners(d, [aRecord('m1', { requester: 'ghost' }), aRecord('m2', { requester: 'sales' })]);
    expect(out.retry).toEqual(['m1']);
    expect(d.sent.map((m) => m.to)).toEqual([['s@example.com']]);
  });
});

describe('SesMailer', () => {
  it('sends text and HTML from the sender, with the configuration set, and returns the message id', async () => {
    const client = new SESv2Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client).on(SendEmailCommand).resolves({ MessageId: 'mid-1' });
    const mailer = new SesMailer({ client, from: 'notices@example.com', configurationSet: 'digests', replyTo: 'admin@example.com', sendsPerSecond: 100 });
    expect(await mailer.send({ to: ['a@example.com'], subject: 's', text: 't', html: '<p>h</p>' })).toEqual({ messageId: 'mid-1' });
    expect(mock.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'notices@example.com',
      Destination: { ToAddresses: ['a@example.com'] },
      ReplyToAddresses: ['admin@example.com'],
      ConfigurationSetName: 'digests',
      Content: { Simple: { Subject: { Data: 's', Charset: 'UTF-8' }, Body: { Text: { Data: 't', Charset: 'UTF-8' }, Html: { Data: '<p>h</p>', Charset: 'UTF-8' } } } },
    });
  });

  it("turns SES's refusal into a MailSendError naming SES's error and no address", async () => {
    const client = new SESv2Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    mockClient(client).on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified: a@example.com'), { name: 'MessageRejected' }));
    const error = await new SesMailer({ client, from: 'notices@example.com', sendsPerSecond: 100 }).send({ to: ['a@example.com'], subject: 's', text: 't', html: 'h' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailSendError);
    expect(error).toMatchObject({ code: 'MessageRejected', message: 'SES did not accept the mail (MessageRejected)' });
  });
});
