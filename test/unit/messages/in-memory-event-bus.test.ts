import { EventTooLargeError } from '../../../lib/messages/eventbridge-publisher';
import { shareCreatedEvent, shareRequestRejectedEvent, sweepCompletedEvent, type ProductEvent } from '../../../lib/contracts/events';
import { InMemoryEventBus, type RecordedEvent } from '../../../lib/messages/in-memory-event-bus';
import { aManualClock } from '../../factories/messages';

describe('InMemoryEventBus', () => {
  it('records events in order with the bus name and time, and filters them by type', async () => {
    const clock = aManualClock();
    const seen: RecordedEvent[] = [];
    const bus = new InMemoryEventBus({ busName: 'local', clock, onEvent: (r) => seen.push(r) });
    const created = shareCreatedEvent({ requestId: 'r1', requester: 'm', shortUrl: 's', link: 'l', period: 7 });
    const rejected = shareRequestRejectedEvent({ requestId: 'r2', reasons: ['bad'] });
    await bus.publish([created, rejected]);
    expect(bus.events).toEqual([created, rejected]);
    expect(bus.ofType('ShareRequestRejected')).toEqual([rejected]);
    expect(bus.detailsOf('ShareCreated')).toEqual([created.detail]);
    expect(seen.map((r) => [r.busName, r.publishedAt])).toEqual([
      ['local', clock.now()],
      ['local', clock.now()],
    ]);
    bus.clear();
    expect(bus.events).toEqual([]);
  });

  it('records what a subscriber would receive (a JSON round trip of the detail)', async () => {
    const bus = new InMemoryEventBus();
    const event = { ...sweepCompletedEvent({ runId: 'r', mode: 'enforce', counts: {} }), detail: { runId: 'r', mode: 'enforce', counts: {}, extra: undefined } };
    await bus.publish([event as ProductEvent]);
    expect(bus.events[0]?.detail).toEqual({ runId: 'r', mode: 'enforce', counts: {} });
    expect(Object.keys(bus.events[0]?.detail ?? {})).not.toContain('extra');
  });

  it('refuses an event EventBridge would refuse, recording none of the call', async () => {
    const bus = new InMemoryEventBus();
    const huge = sweepCompletedEvent({ runId: 'r', mode: 'enforce', counts: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`c${i}`, i])) });
    await expect(bus.publish([shareRequestRejectedEvent({ reasons: [] }), huge])).rejects.toBeInstanceOf(EventTooLargeError);
    expect(bus.events).toEqual([]);
  });
});
