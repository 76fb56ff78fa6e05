import { describe, expect, it } from 'vitest';
import { isLoopback, parseAddress, telemetryIssues } from './telemetry-address.js';

describe('the telemetry address', () => {
  it('parses host:port and [ipv6]:port', () => {
    expect(parseAddress('127.0.0.1:8888')).toEqual({ host: '127.0.0.1', port: 8888 });
    expect(parseAddress('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseAddress('ferry.internal:80')).toEqual({ host: 'ferry.internal', port: 80 });
  });

  it('tells loopback addresses from the rest', () => {
    for (const host of ['localhost', '127.0.0.1', '127.3.2.1', '::1']) expect([host, isLoopback(host)]).toEqual([host, true]);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'ferry.internal', '128.0.0.1']) expect([host, isLoopback(host)]).toEqual([host, false]);
  });

  it('wants a token off loopback, and a port in range', () => {
    expect(telemetryIssues({ address: '127.0.0.1:8888' })).toEqual([]);
    expect(telemetryIssues({ address: null })).toEqual([]);
    expect(telemetryIssues({ address: '0.0.0.0:8888', authToken: 'a-token-of-16-chars' })).toEqual([]);
    expect(telemetryIssues({ address: '0.0.0.0:8888' }).map((i) => `${i.path}: ${i.problem}`)).toEqual([
      'service.telemetry.authToken: required when the telemetry server listens on "0.0.0.0", which is not a loopback address',
    ]);
    expect(telemetryIssues({ address: '127.0.0.1:70000' }).map((i) => `${i.path}: ${i.found}`)).toEqual(['service.telemetry.address: 70000']);
  });
});
