import type { ConfigIssue } from './issue.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:8888` or `[::1]:8888` (the schema's pattern has already checked the shape). */
export function parseAddress(address: string): ListenAddress {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(colon + 1)) };
}

/** Only this machine can reach it: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * What the schema cannot check about `service.telemetry`: a port in range, and a token
 * whenever the server is reachable from other machines (metrics and tapped events are
 * not for anyone on the network).
 */
export function telemetryIssues(telemetry: unknown): ConfigIssue[] {
  if (typeof telemetry !== 'object' || telemetry === null) return [];
  const { address, authToken } = telemetry as { address?: unknown; authToken?: unknown };
  if (typeof address !== 'string' || !address.includes(':')) return [];
  const { host, port } = parseAddress(address);
  const issues: ConfigIssue[] = [];
  if (port < 1 || port > 65_535) {
    issues.push({ path: 'service.telemetry.address', code: 'FERRY_CONFIG_SCHEMA', problem: 'the port is out of range', expected: 'a port from 1 to 65535', found: String(port) });
  }
  if (!isLoopback(host) && typeof authToken !== 'string') {
    issues.push({
      path: 'service.telemetry.authToken',
      code: 'FERRY_CONFIG_SCHEMA',
      problem: `required when the telemetry server listens on "${host}", which is not a loopback address`,
      hint: 'set authToken (for example "${env:FERRY_TELEMETRY_TOKEN}", 16 characters or more), or listen on 127.0.0.1',
    });
  }
  return issues;
}
