import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { ConfigError } from '@ferry/sdk';
import type { NatsConnectionOptions } from './options.js';

/** The server URLs of a config, as a list. */
export function serverList(servers: string | readonly string[]): string[] {
  return (typeof servers === 'string' ? servers.split(',') : [...servers]).map((s) => s.trim()).filter(Boolean);
}

/** The servers in words a log line can carry: no user, password or token a URL may hold. */
export function describeServers(servers: string | readonly string[]): string {
  return serverList(servers)
    .map((s) => {
      try {
        const url = new URL(s.includes('://') ? s : `nats://${s}`);
        return `${url.protocol}//${url.host}`;
      } catch {
        return '(unparsable server URL)';
      }
    })
    .join(',');
}

export interface ConnectContext {
  /** The config path of the options, for errors (`receivers.nats`). */
  readonly path: string;
  /** Shown to the server's monitoring as the connection's name. */
  readonly name: string;
}

/** The client options for a config: auth and TLS files read now, so a missing file is a clear ConfigError. */
export async function clientOptions(options: NatsConnectionOptions, at: ConnectContext): Promise<ConnectionOptions> {
  const client: ConnectionOptions = {
    servers: serverList(options.servers),
    name: at.name,
    timeout: options.connectTimeoutMs,
    // Reconnect forever: a broker restart must never end a collector.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
  };
  if (options.token !== undefined) client.token = options.token;
  if (options.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = await readFile(options.credsFile);
    } catch (error) {
      throw new ConfigError(`${at.path}.credsFile: cannot read ${options.credsFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    client.authenticator = credsAuthenticator(creds);
  }
  if (options.tls !== undefined) {
    const { caFile, certFile, keyFile } = options.tls;
    if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError(`${at.path}.tls: certFile and keyFile go together (mutual TLS needs both)`);
    client.tls = { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) };
  }
  return client;
}

/** Errors that say the credentials or the TLS setup are wrong, not that the server is away. */
export function isAuthError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'AUTHORIZATION_VIOLATION' || code === 'AUTHENTICATION_EXPIRED' || code === 'PERMISSIONS_VIOLATION' || /authorization|authentication/i.test((error as Error | null)?.message ?? '');
}

/**
 * One connection attempt. A refused credential is a ConfigError naming the option; any
 * other failure (server away, timeout) is returned to the caller to retry.
 */
export async function connectNats(options: NatsConnectionOptions, at: ConnectContext): Promise<NatsConnection> {
  const client = await clientOptions(options, at);
  try {
    return await connect(client);
  } catch (error) {
    if (isAuthError(error)) {
      throw new ConfigError(`${at.path}: ${describeServers(options.servers)} refused the credentials (${(error as Error).message}); check ${options.credsFile ? 'credsFile' : options.token ? 'token' : 'the server\'s auth settings'}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Drains a connection (what is buffered — acks, publishes — is written first), but never
 * waits longer than `timeoutMs`: with the server away a drain would wait for it, and a
 * shutdown must not. Then the connection is closed either way.
 */
export async function closeConnection(connection: NatsConnection, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([connection.drain().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  if (!connection.isClosed()) await connection.close().catch(() => undefined);
}
