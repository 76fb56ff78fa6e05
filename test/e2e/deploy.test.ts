import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FERRY_BIN, ferry, ROOT } from '../support/ferry-process.js';

const exec = promisify(execFile);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-deploy-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('deploy/', () => {
  it('the systemd unit passes systemd-analyze verify (with ferry where the unit expects it)', async () => {
    const dir = await scratch();
    const unit = (await readFile(join(ROOT, 'deploy', 'systemd', 'ferry.service'), 'utf8')).replace('/usr/local/bin/ferry', FERRY_BIN);
    await writeFile(join(dir, 'ferry.service'), unit);
    const verified = await exec('systemd-analyze', ['verify', join(dir, 'ferry.service')]);
    expect(verified.stderr + verified.stdout).toBe('');
    expect(unit).toMatch(/^TimeoutStopSec=40$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
  });

  it('the Kubernetes example builds with kubectl, probes /livez and /readyz, keeps storage on its volume, and carries a valid config', async () => {
    const dir = await scratch();
    await copyFile(join(ROOT, 'deploy', 'kubernetes', 'ferry.yaml'), join(dir, 'ferry.yaml'));
    await writeFile(join(dir, 'kustomization.yaml'), 'resources:\n  - ferry.yaml\n');
    const { stdout: built } = await exec('kubectl', ['kustomize', dir]);
    expect(built.match(/^kind: \w+$/gm)).toEqual(['kind: ConfigMap', 'kind: Service', 'kind: StatefulSet']);
    expect(built).toMatch(/livenessProbe:\s+failureThreshold: 3\s+httpGet:\s+path: \/livez\s+port: telemetry/);
    expect(built).toMatch(/readinessProbe:\s+failureThreshold: 2\s+httpGet:\s+path: \/readyz\s+port: telemetry/);
    expect(built).toMatch(/mountPath: \/var\/lib\/ferry\s+name: storage/);
    expect(built).toMatch(/volumeClaimTemplates:\s+- metadata:\s+name: storage/);
    expect(built).toMatch(/terminationGracePeriodSeconds: 40/);

    // The config in the ConfigMap, as Ferry reads it in the pod.
    const block = /collector\.config\.json: \|\n((?: {4}.*\n)+)/.exec(built)?.[1] ?? '';
    const config = block.replace(/^ {4}/gm, '');
    expect(JSON.parse(config)).toMatchObject({ storage: { directory: '/var/lib/ferry/storage' }, service: { telemetry: { address: '0.0.0.0:8888', authToken: '${env:FERRY_TELEMETRY_TOKEN}' } } });
    await writeFile(join(dir, 'collector.config.json'), config);
    const validated = await ferry(['validate', '--config', join(dir, 'collector.config.json')], { env: { GRANTEX_WEBHOOK_SECRET: 'whsec_deploy_test', FERRY_TELEMETRY_TOKEN: 'deploy-test-token-0123456789' } });
    expect([validated.status, validated.stderr]).toEqual([0, '']);
  });

  it('the tiered example (deploy/tiered: edge, core, the SSE leader) passes ferry validate with its variables set', async () => {
    const env = {
      GRANTEX_WEBHOOK_SECRET: 'whsec_deploy_test',
      GRANTEX_API_KEY: 'gx_deploy_test',
      FERRY_WRITER_ID: 'core-1',
      FERRY_CHAIN_SECRET: 'chain-secret-deploy-test',
      ARCHIVE_BUCKET: 'acme-grantex-events',
      GCP_PROJECT: 'acme',
      DD_API_KEY: 'dd-deploy-test',
    };
    for (const name of ['edge', 'core', 'sse-leader']) {
      const validated = await ferry(['validate', '--config', join(ROOT, 'deploy', 'tiered', `${name}.config.json`)], { env });
      expect([name, validated.status, validated.stderr]).toEqual([name, 0, '']);
    }
  });
});
