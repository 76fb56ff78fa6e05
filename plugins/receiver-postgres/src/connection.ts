import pg from 'pg';

export interface ConnectOptions {
  readonly connectionString: string;
  readonly connectTimeoutMs: number;
  /** Shown in pg_stat_activity, so a DBA can tell Ferry's sessions apart. */
  readonly applicationName: string;
  /** Called when an idle connection breaks (the server restarted, the network dropped). */
  readonly onBroken: (error: Error) => void;
}

/** A connected client; a failure to connect rejects and leaves nothing open. */
export async function connect(options: ConnectOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName,
    keepAlive: true,
  });
  // Without a listener, an error on an idle client would crash the process.
  client.on('error', options.onBroken);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
