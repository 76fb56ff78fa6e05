import { describe, expect, it } from 'vitest';
import { ConfigError, PermanentError, RetryableError } from '@ferry/sdk';
import { StatusBoard, type PipelineShape } from './board.js';

const events: PipelineShape = { name: 'events', receivers: ['grantex', 'webhook'], processors: ['filter'], exporters: ['s3', 'datadog'] };

function board(recoveryDurationMs = 60_000) {
  let now = 1_000_000;
  const b = new StatusBoard({ recoveryDurationMs, now: () => now });
  return { b, tick: (ms: number) => (now += ms) };
}

const component = (tree: ReturnType<StatusBoard['tree']>, key: string) => tree.components?.['pipeline:events']?.components?.[key];

describe('the status board', () => {
  it('follows the lifecycle: starting, ok, stopping, stopped', () => {
    const { b } = board();
    expect(b.tree([events]).status).toBe('starting');
    expect(b.readiness([events])).toEqual({ ready: false, reasons: ['the collector is starting'] });
    b.setPhase('running');
    expect(b.tree([events])).toMatchObject({ status: 'ok', healthy: true });
    expect(b.readiness([events])).toEqual({ ready: true, reasons: [] });
    b.setPhase('stopping');
    expect(b.tree([events]).status).toBe('stopping');
    expect(b.readiness([events]).ready).toBe(false);
  });

  it('an outage is a recoverable error since its first failure, healthy until recoveryDurationMs, cleared by a delivery', () => {
    const { b, tick } = board(60_000);
    b.setPhase('running');
    b.attempted('datadog', { seconds: 0.1, error: new RetryableError('answered 503') });
    const first = component(b.tree([events]), 'exporter:datadog');
    tick(30_000);
    b.attempted('datadog', { seconds: 0.1, error: new RetryableError('answered 502') });
    const tree = b.tree([events]);
    expect(component(tree, 'exporter:datadog')).toEqual({ status: 'recoverable_error', healthy: true, since: first?.since, error: 'answered 502' });
    expect(tree).toMatchObject({ status: 'recoverable_error', healthy: true, error: 'exporter:datadog: answered 502' });
    tick(30_000);
    expect(b.tree([events])).toMatchObject({ status: 'recoverable_error', healthy: false });
    // A destination down never makes the collector unready: events queue.
    expect(b.readiness([events]).ready).toBe(true);
    b.attempted('datadog', { seconds: 0.1, error: undefined });
    expect(b.tree([events])).toMatchObject({ status: 'ok', healthy: true });
  });

  it('rejected credentials are a permanent error, unhealthy at once; a refused batch says nothing about the destination', () => {
    const { b } = board();
    b.setPhase('running');
    b.attempted('s3', { seconds: 0.1, error: new PermanentError('400 invalid row') });
    expect(component(b.tree([events]), 'exporter:s3')?.status).toBe('ok');
    b.attempted('s3', { seconds: 0.1, error: new ConfigError('the credentials were refused') });
    b.attempted('datadog', { seconds: 0.1, error: new RetryableError('answered 503') });
    const tree = b.tree([events]);
    // The worst status rolls up, with the component named.
    expect(tree).toMatchObject({ status: 'permanent_error', healthy: false, error: 'exporter:s3: the credentials were refused' });
    expect(tree.components?.['pipeline:events']).toMatchObject({ status: 'permanent_error', healthy: false });
  });

  it('a receiver that reports a ConfigError cannot accept: not ready; other reported errors are recoverable and clear when it hands in events', () => {
    const { b } = board();
    b.setPhase('running');
    b.reported('receiver', 'webhook', new Error('TLS certificate expires tomorrow'));
    expect(component(b.tree([events]), 'receiver:webhook')?.status).toBe('recoverable_error');
    b.accepted('webhook');
    expect(component(b.tree([events]), 'receiver:webhook')?.status).toBe('ok');
    b.reported('receiver', 'grantex', new ConfigError('Grantex refused the API key (401)'));
    expect(component(b.tree([events]), 'receiver:grantex')?.status).toBe('permanent_error');
    b.accepted('grantex');
    expect(b.readiness([events])).toEqual({ ready: false, reasons: ['receiver:grantex cannot accept: Grantex refused the API key (401)'] });
    // Once the receiver is gone from the config (a reload), it no longer counts.
    expect(b.readiness([{ ...events, receivers: ['webhook'] }]).ready).toBe(true);
  });

  it('shows a receiver under leader election as leader or standby, and a standby is healthy and ready (it waits by design)', () => {
    const { b } = board();
    b.setPhase('running');
    b.role('grantex', 'standby');
    expect(component(b.tree([events]), 'receiver:grantex')).toMatchObject({ status: 'ok', healthy: true, role: 'standby' });
    expect(component(b.tree([events]), 'receiver:webhook')).not.toHaveProperty('role');
    expect(b.readiness([events]).ready).toBe(true);
    b.role('grantex', 'leader');
    expect(component(b.tree([events]), 'receiver:grantex')).toMatchObject({ role: 'leader' });
  });

  it('a pipeline whose log cannot take events is a recoverable error, and not ready, while that lasts', () => {
    const { b, tick } = board();
    b.setPhase('running');
    const full = { ...events, problem: 'no space left on device' };
    const first = b.tree([full]).components?.['pipeline:events'];
    tick(5_000);
    expect(b.tree([full]).components?.['pipeline:events']).toMatchObject({ status: 'recoverable_error', since: first?.since, error: 'log: no space left on device' });
    expect(b.readiness([full])).toEqual({ ready: false, reasons: ['pipeline:events cannot take events: no space left on device'] });
    expect(b.tree([events]).status).toBe('ok');
  });
});
