import { SeverityNumber, type LogRecord } from '@opentelemetry/api-logs';
import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import type { FerryEvent, JsonValue } from '@ferry/sdk';

/** Severity per event type, as the seed's Datadog category processor sets it. */
function severityOf(type: string): { number: SeverityNumber; text: string } {
  if (type === 'budget.exhausted') return { number: SeverityNumber.ERROR, text: 'ERROR' };
  if (type === 'grant.revoked' || type.startsWith('anomaly.')) return { number: SeverityNumber.WARN, text: 'WARN' };
  return { number: SeverityNumber.INFO, text: 'INFO' };
}

function toAnyValue(value: JsonValue | undefined): AnyValue {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(toAnyValue);
  if (typeof value === 'object' && value !== null) return toAnyValueMap(value);
  return value;
}

function toAnyValueMap(value: Readonly<Record<string, JsonValue | undefined>>): AnyValueMap {
  const out: AnyValueMap = {};
  for (const [key, child] of Object.entries(value)) out[key] = toAnyValue(child);
  return out;
}

const ENVELOPE = new Set(['id', 'type', 'createdAt', 'data']);

/**
 * A Ferry event as an OpenTelemetry log record (the bridge later interop will use):
 * the event type is the event name, `data` the body, the id `log.record.uid`, `createdAt`
 * the timestamp and the time Ferry accepted it the observed timestamp; any other
 * top-level field (the integrity link, for example) becomes a `ferry.<field>` attribute.
 */
export function toLogRecord(event: FerryEvent, receivedAt?: number): LogRecord {
  const severity = severityOf(event.type);
  const createdAt = Date.parse(event.createdAt);
  const attributes: Record<string, AnyValue> = { 'event.name': event.type, 'log.record.uid': event.id };
  for (const [key, value] of Object.entries(event)) if (!ENVELOPE.has(key)) attributes[`ferry.${key}`] = toAnyValue(value);
  return {
    eventName: event.type,
    ...(Number.isNaN(createdAt) ? {} : { timestamp: createdAt }),
    ...(receivedAt === undefined ? {} : { observedTimestamp: receivedAt }),
    severityNumber: severity.number,
    severityText: severity.text,
    body: toAnyValueMap(event.data),
    attributes,
  };
}
