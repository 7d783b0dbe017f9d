/**
 * An event bus held in memory for the local run and tests: records what would have gone to
 * EventBridge. Each event goes through the same entry mapping and size check as the real
 * publisher, and its detail through a JSON round trip, so what is recorded is what a
 * subscriber would receive (an undefined field vanishes, a Date becomes a string).
 */
import type { EventPublisher } from '../app/messaging-ports';
import { systemClock, type Clock } from '../app/ports';
import { EventTooLargeError, PUT_EVENTS_MAX_BYTES, putEventsEntrySize, tooLargeFailures, toPutEventsEntry } from './eventbridge-publisher';
import type { ProductEvent, ProductEventDetails, ProductEventOf, ProductEventType } from '../contracts/events';

export interface RecordedEvent {
  busName: string;
  /** When it was published (epoch ms, from the bus's clock). */
  publishedAt: number;
  event: ProductEvent;
}

export interface InMemoryEventBusOptions {
  busName?: string;
  clock?: Clock;
  /** Called for every event as it is recorded (the local run prints them). */
  onEvent?: (recorded: RecordedEvent) => void;
}

/** Records published events in order. */
export class InMemoryEventBus implements EventPublisher {
  readonly busName: string;
  private readonly clock: Clock;
  private readonly onEvent: ((recorded: RecordedEvent) => void) | undefined;
  private readonly recorded: RecordedEvent[] = [];

  constructor(options: InMemoryEventBusOptions = {}) {
    this.busName = options.busName ?? 'local-bus';
    this.clock = options.clock ?? systemClock;
    this.onEvent = options.onEvent;
  }

  async publish(events: ProductEvent[]): Promise<void> {
    const entries = events.map((event) => toPutEventsEntry(event, this.busName));
    const sizes = entries.map((entry) => putEventsEntrySize(entry));
    const tooLarge = sizes.findIndex((size) => size > PUT_EVENTS_MAX_BYTES);
    if (tooLarge >= 0) {
      // As the real publisher: nothing of the call is recorded, and every event is named as not sent.
      throw new EventTooLargeError(
        `event ${events[tooLarge]!.detailType} is ${sizes[tooLarge]!} bytes, above the EventBridge limit`,
        tooLargeFailures(events.map((event, i) => ({ detailType: event.detailType, size: sizes[i]! }))),
      );
    }
    const copies = events.map((event, i) => ({ ...event, detail: JSON.parse(entries[i]!.Detail as string) }) as ProductEvent);
    const publishedAt = this.clock.now();
    for (const event of copies) {
      const recorded = { busName: this.busName, publishedAt, event };
      this.recorded.push(recorded);
      this.onEvent?.(recorded);
    }
  }

  /** Every recorded event, oldest first. */
  get events(): ProductEvent[] {
    return this.recorded.map((r) => r.event);
  }

  /** Every recorded event with its bus and time. */
  get records(): RecordedEvent[] {
    return [...this.recorded];
  }

  /** The recorded events of one detail type. */
  ofType<K extends ProductEventType>(detailType: K): ProductEventOf<K>[] {
    return this.recorded.map((r) => r.event).filter((e): e is ProductEventOf<K> => e.detailType === detailType);
  }

  /** The details of one detail type. */
  detailsOf<K extends ProductEventType>(detailType: K): ProductEventDetails[K][] {
    return this.ofType(detailType).map((e) => e.detail as ProductEventDetails[K]);
  }

  clear(): void {
    this.recorded.length = 0;
  }
}
