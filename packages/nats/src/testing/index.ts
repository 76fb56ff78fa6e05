/**
 * Test support: the real nats-server every machine of this project runs (JetStream on
 * 127.0.0.1:4222). A test that cannot reach it fails loudly, never skips; each test makes
 * its own streams, consumers and buckets under unique names and removes them after.
 */
import { randomBytes } from 'node:crypto';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';

export const TEST_SERVERS = 'nats://127.0.0.1:4222';

export interface TestNats {
  readonly connection: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly js: JetStreamClient;
  /** A name no other test uses: letters, digits and `_`, valid for streams, consumers, buckets and subject tokens. */
  name(prefix: string): string;
  /** Marks a stream (or a KV bucket, as `KV_<bucket>`) for removal at `close()`. */
  own(stream: string): void;
  /** Removes what was marked and closes the connection. */
  close(): Promise<void>;
}

export async function testNats(): Promise<TestNats> {
  let connection: NatsConnection;
  try {
    connection = await connect({ servers: TEST_SERVERS, timeout: 3000, name: 'ferry tests' });
  } catch (error) {
    throw new Error(`these tests need nats-server with JetStream on ${TEST_SERVERS} and could not connect (${(error as Error).message}). Start it: nats-server -a 127.0.0.1 -p 4222 -js`);
  }
  let jsm: JetStreamManager;
  try {
    jsm = await connection.jetstreamManager({ timeout: 3000 });
  } catch (error) {
    await connection.close();
    throw new Error(`nats-server on ${TEST_SERVERS} answers but JetStream is not enabled (${(error as Error).message}): start it with -js`);
  }
  const owned = new Set<string>();
  const run = randomBytes(3).toString('hex');
  let n = 0;
  return {
    connection,
    jsm,
    js: connection.jetstream(),
    name: (prefix) => `${prefix}_${run}_${++n}`,
    own: (stream) => void owned.add(stream),
    async close() {
      for (const stream of owned) await jsm.streams.delete(stream).catch(() => undefined);
      await connection.close();
    },
  };
}
