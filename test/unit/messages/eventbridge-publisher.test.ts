import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EventBridgePublisher,
  EventPublishError,
  EventTooLargeError,
  putEventsEntrySize,
  toPutEventsEntry,
} from '../../../lib/messages/eventbridge-publisher';
import { unacceptedEvents } from '../../../lib/app/messaging-ports';
import { shareCancelledEvent, shareRequestRejectedEvent, sweepCompletedEvent, type ProductEvent } from '../../../lib/contracts/events';

const busName = 'share-lifecycle-bus';

function setup() {
  const client = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const sleeps: number[] = [];
  const publisher = new EventBridgePublisher({
    client,
    busName,
    retry: { maxAttempts: 3, baseDelayMs: 100, random: () => 1, sleep: async (ms) => void sleeps.push(ms) },
  });
  const sentDetailTypes = () => mock.commandCalls(PutEventsCommand).map((call) => (call.args[0].input.Entries ?? []).map((e) => e.Detail));
  return { client, mock, publisher, sleeps, sentDetailTypes };
}

const events = (n: number): ProductEvent[] =>
  Array.from({ length: n }, (_, i) => shareCancelledEvent({ shareId: String(i + 1), runId: 'run-1', policyIds: ['p'], reason: 'r' }, 1_000 + i));

const ok = (n: number) => ({ FailedEntryCount: 0, Entries: Array.from({ length: n }, (_, i) => ({ EventId: `e${i}` })) });

describe('EventBridgePublisher', () => {
  it('sends entries in chunks of 10 with source, detail type, JSON detail, time and bus', async () => {
    const { mock, publisher } = setup();
    mock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ok(input.Entries.length));
    await publisher.publish(events(23));
    const calls = mock.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toEqual({
      EventBusName: busName,
      Source: 'terabox-share-lifecycle',
      DetailType: 'ShareCancelled',
      Detail: JSON.stringify({ shareId: '1', runId: 'run-1', policyIds: ['p'], reason: 'r' }),
      Time: new Date(1_000),
    });
  });

  it('sends nothing for no events', async () => {
    const { mock, publisher } = setup();
    await publisher.publish([]);
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('retries only the entries that failed with a retryable code, with backoff', async () => {
    const { mock, publisher, sleeps, sentDetailTypes } = setup();
    mock
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { ErrorCode: 'InternalFailure' }],
      })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'b' }, { ErrorCode: 'InternalFailure' }] })
      .resolvesOnce(ok(1));
    await publisher.publish(events(3));
    const details = sentDetailTypes().map((entries) => entries.map((d) => JSON.parse(d as string).shareId));
    expect(details).toEqual([['1', '2', '3'], ['2', '3'], ['3']]);
    expect(sleeps).toEqual([100, 200]);
  });

  it('throws EventPublishError naming the entries still failing after the last attempt', async () => {
    const { mock, publisher } = setup();
    mock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((_, i) => (i === input.Entries.length - 1 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: 'x' })),
    }));
    const error = await publisher.publish(events(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventPublishError);
    expect(error).toMatchObject({
      name: 'EventPublishError',
      message: `1 of 2 event(s) could not be published to ${busName}: ThrottlingException (ShareCancelled)`,
      failures: [{ detailType: 'ShareCancelled', errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' }],
    });
    expect((error as Error).cause).toBeInstanceOf(AggregateError);
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(3);
  });

  it.each(['AccessDeniedException', 'MalformedDetail', 'NotAuthorizedForSourceException', 'InvalidArgument'])(
    'does not retry an entry failing with %s',
    async (code) => {
      const { mock, publisher } = setup();
      mock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: code, ErrorMessage: 'no' }] });
      await expect(publisher.publish(events(1))).rejects.toMatchObject({ name: 'EventPublishError', failures: [{ errorCode: code }] });
      expect(mock.commandCalls(PutEventsCommand)).toHaveLength(1);
    },
  );

  it('wraps an error of the whole call (after the SDK retries) with it as the cause', async () => {
    const { mock, publisher } = setup();
    const failure = Object.assign(new Error('Bus not found'), { name: 'ResourceNotFoundException' });
    mock.on(PutEventsCommand).rejects(failure);
    const error = (await publisher.publish(events(1)).catch((e: unknown) => e)) as EventPublishError;
    expect(error.name).toBe('EventPublishError');
    expect(error.cause).toBe(failure);
    expect(error.failures).toEqual([{ index: 0, detailType: 'ShareCancelled', errorCode: 'ResourceNotFoundException', errorMessage: 'ResourceNotFoundException: Bus not found' }]);
  });

  it('keeps sending the other chunks when one call fails, then throws', async () => {
    const { mock, publisher } = setup();
    mock.on(PutEventsCommand).rejectsOnce(new Error('socket hang up')).resolves(ok(2));
    const error = (await publisher.publish(events(12)).catch((e: unknown) => e)) as EventPublishError;
    expect(error.message).toMatch(/^10 of 12 event\(s\)/);
    expect(unacceptedEvents(error, 12)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('names by index exactly the events a partly failed call did not get accepted', async () => {
    const { mock, publisher } = setup();
    // Entry 2 is refused for good, entry 4 is throttled until the last attempt: 0, 1, 3 went out.
    mock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e) => {
        const id = JSON.parse(e.Detail as string).shareId as string;
        if (id === '3') return { ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' };
        if (id === '5') return { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' };
        return { EventId: `e${id}` };
      }),
    }));
    const error = (await publisher.publish(events(5)).catch((e: unknown) => e)) as EventPublishError;
    expect(error.failures.map((f) => [f.index, f.errorCode])).toEqual([
      [2, 'AccessDeniedException'],
      [4, 'ThrottlingException'],
    ]);
    expect(unacceptedEvents(error, 5)).toEqual(new Set([2, 4]));
  });

  it('refuses an oversized event before sending anything, and names every event as not sent', async () => {
    const { mock, publisher } = setup();
    const huge = sweepCompletedEvent({ runId: 'r', mode: 'enforce', counts: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`counter-${i}`, i])) });
    const error = await publisher.publish([...events(1), huge]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventTooLargeError);
    expect((error as EventTooLargeError).failures.map((f) => [f.index, f.errorCode])).toEqual([
      [0, 'NotSent'],
      [1, 'EntryTooLarge'],
    ]);
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it.each([
    ['an error without failures', new Error('boom'), [0, 1, 2]],
    ['failures without indexes', Object.assign(new Error('x'), { failures: [{ errorCode: 'X' }] }), [0, 1, 2]],
    ['an index out of range', Object.assign(new Error('x'), { failures: [{ index: 7 }] }), [0, 1, 2]],
    ['named failures', Object.assign(new Error('x'), { failures: [{ index: 1 }] }), [1]],
    ['not an error at all', 'boom', [0, 1, 2]],
  ])('counts as not accepted, given %s, the events it cannot trust went out', (_what, error, expected) => {
    expect([...unacceptedEvents(error, 3)]).toEqual(expected);
  });

  it('splits a chunk when 10 entries together would exceed 256 KiB', async () => {
    const { mock, publisher } = setup();
    mock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ok(input.Entries.length));
    const big = Array.from({ length: 6 }, () => shareRequestRejectedEvent({ reasons: Array.from({ length: 50 }, () => 'x'.repeat(1000)) }));
    await publisher.publish(big);
    const sizes = mock.commandCalls(PutEventsCommand).map((c) => (c.args[0].input.Entries ?? []).reduce((sum, e) => sum + putEventsEntrySize(e), 0));
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(262_144);
  });

  it('counts entry size as EventBridge documents it', () => {
    const entry = toPutEventsEntry({ ...events(1)[0] } as ProductEvent, busName);
    const expected = 14 + Buffer.byteLength('terabox-share-lifecycle') + Buffer.byteLength('ShareCancelled') + Buffer.byteLength(entry.Detail as string);
    expect(putEventsEntrySize(entry)).toBe(expected);
    expect(putEventsEntrySize({ Source: 'é', DetailType: 'x', Detail: '"ü"' })).toBe(2 + 1 + 4);
  });
});
