import {
  EVENT_SOURCE,
  guardrailTrippedEvent,
  shareCancelledEvent,
  shareCreatedEvent,
  shareMarkedForCancelEvent,
  shareRequestRejectedEvent,
  sweepCompletedEvent,
} from '../../../lib/contracts/events';
import { redactPatterns } from '../../../lib/shared/credentials';
import { PUT_EVENTS_MAX_BYTES, putEventsEntrySize, toPutEventsEntry } from '../../../lib/messages/eventbridge-publisher';

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
      shareMarkedForCancelEvent({
        shareId: '5',
        policyId: 'max-age',
        graceEndsAtMs: at,
        reason: 'older than 30 days',
        shortUrl: '1aBcDeF',
        paths: ['/Public/a.pdf', '/Public/b.pdf'],
        requester: 'marketing',
        requestId: 'req-1',
      }),
      {
        shareId: '5',
        policyId: 'max-age',
        graceEndsAt: '2026-05-01T12:00:00.000Z',
        reason: 'older than 30 days',
        shortUrl: '1aBcDeF',
        paths: ['/Public/a.pdf', '/Public/b.pdf'],
        pathCount: 2,
        requester: 'marketing',
        requestId: 'req-1',
      },
    ],
    [
      'ShareMarkedForCancel (a share the product did not create, paths unknown)',
      shareMarkedForCancelEvent({ shareId: '6', policyId: 'max-age', graceEndsAtMs: at, reason: 'older than 30 days', paths: [] }),
      { shareId: '6', policyId: 'max-age', graceEndsAt: '2026-05-01T12:00:00.000Z', reason: 'older than 30 days', paths: [], pathCount: 0 },
    ],
    [
      'ShareCancelled',
      shareCancelledEvent({ shareId: '5', runId: 'run-1', policyIds: ['max-age'], reason: 'older than 30 days', requestId: 'req-1' }),
      { shareId: '5', runId: 'run-1', policyIds: ['max-age'], reason: 'older than 30 days', requestId: 'req-1' },
    ],
    [
      'ShareCancelled with policy versions (only those of the policies named, only whole numbers)',
      shareCancelledEvent({ shareId: '5', runId: 'run-1', policyIds: ['max-age', 'name'], policyVersions: { 'max-age': 3, name: 1.5, other: 7 }, reason: 'old' }),
      { shareId: '5', runId: 'run-1', policyIds: ['max-age', 'name'], policyVersions: { 'max-age': 3 }, reason: 'old' },
    ],
    ['SweepCompleted', sweepCompletedEvent({ runId: 'run-1', mode: 'dry-run', counts: { listed: 300, violating: 4 } }), { runId: 'run-1', mode: 'dry-run', counts: { listed: 300, violating: 4 } }],
    [
      'GuardrailTripped',
      guardrailTrippedEvent({ runId: 'run-1', trips: [{ guardrail: 'maxCancellations', limit: 500, actual: 812 }] }),
      { runId: 'run-1', trips: [{ guardrail: 'maxCancellations', limit: 500, actual: 812 }] },
    ],
  ])('builds %s with exactly the documented fields', (label, event, detail) => {
    expect(event).toEqual({ source: 'terabox-share-lifecycle', detailType: label.split(' ')[0], detail });
  });

  it('keeps a grace notice of a share with thousands of long paths under the EventBridge entry limit', () => {
    const paths = Array.from({ length: 5000 }, (_, i) => `/Public/${'\u0001'.repeat(3000)}${i}`);
    const event = shareMarkedForCancelEvent({ shareId: '7', policyId: 'p', graceEndsAtMs: at, reason: 'ndus=secret '.repeat(500), paths }, at);
    expect([event.detail.paths.length, event.detail.pathCount]).toEqual([20, 5000]);
    expect(event.detail.reason).not.toContain('secret');
    expect(putEventsEntrySize(toPutEventsEntry(event, 'bus'))).toBeLessThan(PUT_EVENTS_MAX_BYTES);
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
  ])('redactPatterns(%s)', (input, output) => {
    expect(redactPatterns(input)).toBe(output);
  });

  it('caps long reason lists and long reasons', () => {
    const event = shareRequestRejectedEvent({ reasons: Array.from({ length: 60 }, () => 'x'.repeat(5000)) });
    expect(event.detail.reasons).toHaveLength(51);
    expect([...(event.detail.reasons[0] as string)]).toHaveLength(1024);
    expect(event.detail.reasons[50]).toBe('…and 10 more');
  });

  it('refuses a time that is not a number', () => {
    expect(() => shareMarkedForCancelEvent({ shareId: '1', policyId: 'p', graceEndsAtMs: Number.NaN, reason: 'r', paths: [] })).toThrow(RangeError);
  });
});
