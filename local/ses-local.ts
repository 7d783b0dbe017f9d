/**
 * A local SES v2 server (the `aws-ses-v2-local` package) on 127.0.0.1: the digests the notifier
 * sends land in its store, readable at `GET /store` (JSON) and on its root page (an inbox in a
 * browser). Used by `npm start` and the notifier's tests.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as sesLocalModule from 'aws-ses-v2-local';

/** A mail as the local server stores it (the fields the product reads). */
export interface StoredMail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

export interface LocalSes {
  /** `http://127.0.0.1:<port>`: the inbox page; `${url}/store` the JSON. */
  url: string;
  /** An SES v2 client pointed at the server (any credentials do). */
  client(): SESv2Client;
  /** Every mail sent so far, oldest first. */
  mails(): Promise<StoredMail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

type Start = (config?: { host?: string; port?: number }) => Promise<Server>;

// CommonJS with a `default` export: under tsx (ESM interop) the import is the module object.
function starter(): Start {
  const mod = sesLocalModule as unknown as { default?: Start | { default?: Start } };
  const first = mod.default;
  if (typeof first === 'function') return first;
  if (first && typeof first.default === 'function') return first.default;
  throw new Error('aws-ses-v2-local has no default export to start it with');
}

/** Starts the server on a free port of 127.0.0.1 (or `port`). */
export async function startLocalSes(options: { port?: number } = {}): Promise<LocalSes> {
  const server = await starter()({ host: '127.0.0.1', port: options.port ?? 0 });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: SESv2Client[] = [];
  return {
    url,
    client() {
      const client = new SESv2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      clients.push(client);
      return client;
    },
    async mails() {
      const res = await fetch(`${url}/store`);
      if (!res.ok) throw new Error(`the local SES store answered HTTP ${res.status}`);
      return ((await res.json()) as { emails: StoredMail[] }).emails;
    },
    async clear() {
      await fetch(`${url}/clear-store`, { method: 'POST' });
    },
    async close() {
      for (const c of clients) c.destroy();
      // Node 20 keeps connections alive: close them, or close() waits for them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
