import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests run in parallel and the telemetry server's default address is one port: a config
 * that does not choose an address gets none (`null`); a test of the server picks a free port.
 */
function withoutDefaultTelemetry(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const config = value as { service?: { telemetry?: Record<string, unknown> } };
  if (config.service === undefined || config.service.telemetry?.address !== undefined) return value;
  return { ...config, service: { ...config.service, telemetry: { ...config.service.telemetry, address: null } } };
}

/** A temporary directory for one test's config, storage and archive. */
export async function workspace(): Promise<{ dir: string; config(value: unknown, name?: string): Promise<string>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-'));
  return {
    dir,
    async config(value, name = 'collector.config.json') {
      const path = join(dir, name);
      await writeFile(path, typeof value === 'string' ? value : JSON.stringify(withoutDefaultTelemetry(value), null, 2));
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
