/**
 * A loopback stand-in for the one SQS call `requests send` makes: SendMessageBatch in the AWS
 * JSON 1.0 protocol the SDK v3 SQS client speaks. It answers with the MD5 of each body, which the
 * SDK checks, and records what it received. Entries whose body contains `failWith` are reported
 * failed (as SQS reports a throttled entry), to test the per-request failure path.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsStub {
  url: string;
  queueUrl: string;
  /** Message bodies received, in order. */
  bodies: string[];
  /** x-amz-target of every request (to assert that nothing else was called). */
  targets: string[];
  close(): Promise<void>;
}

export async function startSqsStub(options: { failWith?: string } = {}): Promise<SqsStub> {
  const bodies: string[] = [];
  const targets: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(body));
      };
      if (target !== 'AmazonSQS.SendMessageBatch') {
        reply(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `stub does not implement ${target}` });
        return;
      }
      const input = JSON.parse(raw) as { Entries: Array<{ Id: string; MessageBody: string }> };
      const successful: unknown[] = [];
      const failed: unknown[] = [];
      for (const entry of input.Entries) {
        if (options.failWith !== undefined && entry.MessageBody.includes(options.failWith)) {
          failed.push({ Id: entry.Id, Code: 'InvalidParameterValue', Message: 'refused by the stub', SenderFault: true });
          continue;
        }
        bodies.push(entry.MessageBody);
        successful.push({
          Id: entry.Id,
          MessageId: `m-${bodies.length}`,
          MD5OfMessageBody: createHash('md5').update(entry.MessageBody, 'utf8').digest('hex'),
        });
      }
      reply(200, { Successful: successful, Failed: failed });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    queueUrl: `${url}/000000000000/share-requests`,
    bodies,
    targets,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
