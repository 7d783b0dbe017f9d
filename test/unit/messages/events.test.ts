import {
  EVENT_SOURCE,
  guardrailTrippedEvent,
  scrubCredentials,
  shareCancelledEvent,
  shareCreatedEvent,
  shareMarkedForCancelEvent,
  shareRequestRejectedEvent,
  sweepCompletedEvent,
} from '../../../lib/messages/events';

const at = Date.UTC(2026, 4, 1, 12, 0, 0);

describe('event builders', () => {
  it('builds ShareCreated with an ISO expiry and without the password', () => {
    const input = {
      requestId: 'req-1',
      requester: 'marketing',
      shareId: '777',
      shortUrl: '1aBcDeF',
      link: 'https://www.terabox.com/s/1aBcDeF',
      period: 7 as const,
      expiresAtMs: at + 7 * 86_400_000,
      password: 'ab12',
      ndus: 'cookie-value',
    };
    expect(shareCreatedEvent(input, at)).toEqual({
      source: EVENT_SOURCE,
      detailType: 'ShareCreated',
      time: at,
      detail: {
        requestId: 'req-1',
        requester: 'marketing',
        shareId: '777',
        shortUrl: '1aBcDeF',
        link: 'https://www.terabox.com/s/1aBcDeF',
        period: 7,
        expiresAt: '2026-05-08T12:00:00.000Z',
      },
    });
  });

  it('leaves expiresAt out for a permanent link', () => {
    const event = shareCreatedEvent({ requestId: 'r', requester: 'm', shortUrl: 's', link: 'l', period: 0, expiresAtMs: null });
    expect(event.detail).not.toHaveProperty('expiresAt');
    expect(event).not.toHaveProperty('time');
  });

  it.each([
    [
      'ShareRequestRejected',
      shareRequestRejectedEvent({ requestId: 'r', requester: 'm', reasons: ['period: must be one of 0, 1, 7 or 30'] }),
      { requestId: 'r', requester: 'm', reasons: ['period: must be one of 0, 1, 7 or 30'] },
    ],
    [
      'ShareMarkedForCancel',
      shareMarkedForCancelEvent({ shareId: '5', policyId: 'max-age', graceEndsAtMs: at, reason: 'older than 30 days' }),
      { shareId: '5', policyId: 'max-age', graceEndsAt: '2026-05-01T12:00:00.000Z', reason: 'older than 30 days' },
    ],
    [
      'ShareCancelled',
      shareCancelledEvent({ shareId: '5', runId: 'run-1', policyIds: ['max-age'], reason: 'older than 30 days', requestId: 'req-1' }),
      { shareId: '5', runId: 'run-1', policyIds: ['max-age'], reason: 'older than 30 days', requestId: 'req-1' },
    ],
    ['SweepCompleted', sweepCompletedEvent({ runId: 'run-1', mode: 'dry-run', counts: { listed: 300, violating: 4 } }), { runId: 'run-1', mode: 'dry-run', counts: { listed: 300, violating: 4 } }],
    [
      'GuardrailTripped',
      guardrailTrippedEvent({ runId: 'run-1', trips: [{ guardrail: 'maxCancellations', limit: 500, actual: 812 }] }),
      { runId: 'run-1', trips: [{ guardrail: 'maxCancellations', limit: 500, actual: 812 }] },
    ],
  ])('builds %s with exactly the documented fields', (detailType, event, detail) => {
    expect(event).toEqual({ source: 'terabox-share-lifecycle', detailType, detail });
  });

  it('drops fields that are not part of an event even when handed in', () => {
    const trip = { guardrail: 'maxCancellationPercent', limit: 20, actual: 35, bdstoken: 'x'.repeat(32) };
    expect(guardrailTrippedEvent({ runId: 'r', trips: [trip] }).detail.trips[0]).toEqual({ guardrail: 'maxCancellationPercent', limit: 20, actual: 35 });
  });

  it('scrubs credentials that leaked into reasons', () => {
    const event = shareRequestRejectedEvent({ reasons: ['TeraBox said: Cookie: lang=en; ndus=Y2xpZW50LXNlY3JldA; other=1', 'GET /share/list?jsToken=ABC123&bdstoken=0123abcd'] });
    const text = JSON.stringify(event);
    expect(text).not.toMatch(/Y2xpZW50LXNlY3JldA|ABC123|0123abcd/);
    expect(event.detail.reasons).toEqual([
      'TeraBox said: Cookie: lang=en; ndus=[REDACTED]; other=1',
      'GET /share/list?jsToken=[REDACTED]&bdstoken=[REDACTED]',
    ]);
  });

  it.each([
    ['ndus=abc', 'ndus=[REDACTED]'],
    ['{"jsToken":"abc"}', '{"jsToken":"[REDACTED]"}'],
    ['bdstoken: abc def', 'bdstoken: [REDACTED] def'],
    ['nothing secret here', 'nothing secret here'],
  ])('scrubCredentials(%s)', (input, output) => {
    expect(scrubCredentials(input)).toBe(output);
  });

  it('caps long reason lists and long reasons', () => {
    const event = shareRequestRejectedEvent({ reasons: Array.from({ length: 60 }, () => 'x'.repeat(5000)) });
    expect(event.detail.reasons).toHaveLength(51);
    expect([...(event.detail.reasons[0] as string)]).toHaveLength(1024);
    expect(event.detail.reasons[50]).toBe('…and 10 more');
  });

  it('refuses a time that is not a number', () => {
    expect(() => shareMarkedForCancelEvent({ shareId: '1', policyId: 'p', graceEndsAtMs: Number.NaN, reason: 'r' })).toThrow(RangeError);
  });
});
