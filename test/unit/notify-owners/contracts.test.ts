import { isEmailAddress } from '../../../lib/contracts/email-address';
import { parseNoticeMessage } from '../../../lib/contracts/notice-event';
import { validateFallbackEntry, validateRequesterEntry } from '../../../lib/contracts/requester-entry';
import { shareMarkedForCancelEvent } from '../../../lib/contracts/events';
import { eventBridgeEnvelope } from '../../../lib/messages/eventbridge-envelope';

describe('email addresses', () => {
  it.each(['ana@example.com', 'a.b+tag@sub.example.co.uk', "o'brien@example.ie"])('accepts %s', (a) => expect(isEmailAddress(a)).toBe(true));
  it.each(['', 'ana', 'ana@', '@example.com', 'ana@example', 'Ana <ana@example.com>', 'a@@example.com', 'a..b@example.com', 'ana@-x.com', 'ana@example.c0m', `${'a'.repeat(65)}@example.com`, 'ana @example.com'])(
    'refuses %j',
    (a) => expect(isEmailAddress(a)).toBe(false),
  );
});

describe('requester directory entries', () => {
  it('normalizes addresses: trimmed, lower-cased, without duplicates', () => {
    expect(validateRequesterEntry({ requester: 'marketing', emails: [' Mkt@Example.com', 'mkt@example.com', 'lead@example.com'] })).toEqual({
      ok: true,
      entry: { requester: 'marketing', emails: ['mkt@example.com', 'lead@example.com'] },
    });
  });

  it('names every problem with its field', () => {
    const checked = validateRequesterEntry({ requester: 'ops', emails: ['x', 'ok@example.com', 'Ana <a@b.com>'], displayName: '', extra: 1 });
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^requester "ops": emails\[0\]: must be an email address/), expect.stringMatching(/^requester "ops": emails\[2\]:/), expect.stringMatching(/displayName: must not be empty/), expect.stringMatching(/extra/)]),
    );
  });

  it('refuses a requester that a policy could never match, and a fallback without an address', () => {
    expect(validateRequesterEntry({ requester: ' marketing' }).ok).toBe(false);
    expect(validateFallbackEntry({ emails: [] })).toEqual({ ok: false, errors: ['fallback: emails: must hold at least one address'] });
  });
});

describe('notice messages (the notifier queue)', () => {
  const event = shareMarkedForCancelEvent({ shareId: '101', policyId: 'p', graceEndsAtMs: 2_000_000_000_000, reason: 'r (p)', paths: ['/a'], requester: 'm', runId: 'run-1', graceHours: 24 }, 1_999_913_600_000);

  it('reads the EventBridge envelope the rule delivers', () => {
    expect(parseNoticeMessage(eventBridgeEnvelope(event, { publishedAtMs: 1 }))).toEqual({
      ok: true,
      notice: { runId: 'run-1', shareId: '101', policyId: 'p', graceHours: 24, reason: 'r (p)', paths: ['/a'], pathCount: 1, requester: 'm' },
    });
  });

  it.each([
    ['not JSON', '{', 'the message is not JSON'],
    ['another detail type', JSON.stringify({ source: 'terabox-share-lifecycle', 'detail-type': 'ShareCancelled', detail: {} }), 'detail-type: must be ShareMarkedForCancel'],
    ['a notice without its run', JSON.stringify({ source: 'terabox-share-lifecycle', 'detail-type': 'ShareMarkedForCancel', detail: { ...event.detail, runId: undefined } }), 'detail.runId'],
  ])('refuses %s', (_label, body, message) => {
    const parsed = parseNoticeMessage(body);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors.join('; ')).toContain(message);
  });
});
