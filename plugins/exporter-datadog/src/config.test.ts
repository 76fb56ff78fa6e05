import { describe, expect, it } from 'vitest';
import { resolveConfig } from '@ferry/sdk/testkit';
import datadog from './index.js';
import { destinationName, intakeUrl, validateUrl } from './config.js';

describe('the datadog config', () => {
  it('keeps the seed\'s options and defaults under their names', () => {
    expect(resolveConfig(datadog.configSchema, { apiKey: 'k' })).toEqual({
      apiKey: 'k',
      site: 'datadoghq.com',
      service: 'grantex',
      source: 'grantex',
      hostname: 'grantex-auth-service',
      tags: [],
      compression: 'gzip',
      validateApiKey: true,
      requestTimeoutMs: 30_000,
    });
    expect(datadog.batchDefaults).toEqual({ batchSize: 100 });
    expect(datadog.limits).toEqual({ maxBatchSize: 1000, maxBatchBytes: 4_000_000 });
    expect((datadog.configSchema.properties.apiKey as { secret?: boolean }).secret).toBe(true);
  });

  it('derives the intake URL from the site (without sending anything), unless an endpoint overrides it', () => {
    expect(intakeUrl({ site: 'datadoghq.eu', endpoint: undefined })).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(intakeUrl({ site: 'datadoghq.com', endpoint: undefined })).toBe('https://http-intake.logs.datadoghq.com/api/v2/logs');
    expect(intakeUrl({ site: 'us5.datadoghq.com', endpoint: undefined })).toBe('https://http-intake.logs.us5.datadoghq.com/api/v2/logs');
    expect(intakeUrl({ site: 'ddog-gov.com', endpoint: undefined })).toBe('https://http-intake.logs.ddog-gov.com/api/v2/logs');
    expect(intakeUrl({ site: 'app.datadoghq.eu', endpoint: undefined })).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(intakeUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080/dd/api/v2/logs' })).toBe('http://proxy:8080/dd/api/v2/logs');
    // A base URL, as Vector's and the OpenTelemetry Collector's Datadog settings take it.
    expect(intakeUrl({ site: 'datadoghq.eu', endpoint: 'https://http-intake.logs.datadoghq.eu' })).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(intakeUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080/' })).toBe('http://proxy:8080/api/v2/logs');
    expect(intakeUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080/custom/ingest' })).toBe('http://proxy:8080/custom/ingest');
  });

  it('derives the key check from the site, or from an endpoint that is a Logs API v2 address', () => {
    expect(validateUrl({ site: 'datadoghq.eu', endpoint: undefined })).toBe('https://api.datadoghq.eu/api/v1/validate');
    expect(validateUrl({ site: 'app.us3.datadoghq.com', endpoint: undefined })).toBe('https://api.us3.datadoghq.com/api/v1/validate');
    expect(validateUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080/dd/api/v2/logs?x=1' })).toBe('http://proxy:8080/dd/api/v1/validate');
    expect(validateUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080' })).toBe('http://proxy:8080/api/v1/validate');
    expect(validateUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080/custom/ingest' })).toBeUndefined();
    expect(validateUrl({ site: 'datadoghq.eu', endpoint: 'http://proxy:8080/ingest' })).toBeUndefined();
  });

  it('names the destination in errors by site or endpoint host, never the endpoint\'s user info or path', () => {
    expect(destinationName({ site: 'datadoghq.eu', endpoint: undefined })).toBe('site datadoghq.eu');
    expect(destinationName({ site: 'datadoghq.eu', endpoint: 'https://user:hunter2@proxy.internal:8443/t0ken/api/v2/logs' })).toBe('endpoint proxy.internal:8443');
  });
});
