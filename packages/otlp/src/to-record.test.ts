import { describe, expect, it } from 'vitest';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { toLogRecord } from './to-record.js';

describe('a Ferry event as an OpenTelemetry log record', () => {
  it('maps type, id, times, data and extra fields as the README documents', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    const event = {
      id: 'evt_01J',
      type: 'grant.revoked',
      createdAt: '2026-03-01T12:00:00Z',
      data: { grantId: 'grnt_1', scopes: ['read', 'write'], cascade: true },
      ferry: { v: 1, seq: 4 },
    };
    provider.getLogger('ferry').emit(toLogRecord(event, Date.parse('2026-03-01T12:00:02Z')));
    await provider.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    expect(record?.eventName).toBe('grant.revoked');
    expect(record?.severityNumber).toBe(SeverityNumber.WARN);
    expect(record?.body).toEqual({ grantId: 'grnt_1', scopes: ['read', 'write'], cascade: true });
    expect(record?.attributes).toEqual({ 'event.name': 'grant.revoked', 'log.record.uid': 'evt_01J', 'ferry.ferry': { v: 1, seq: 4 } });
    expect(record?.hrTime).toEqual([Date.parse('2026-03-01T12:00:00Z') / 1000, 0]);
    expect(record?.hrTimeObserved).toEqual([Date.parse('2026-03-01T12:00:02Z') / 1000, 0]);
  });
});
