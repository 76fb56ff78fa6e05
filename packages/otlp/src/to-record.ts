import { SeverityNumber, type AnyValue, type AnyValueMap, type LogAttributes, type LogRecord } from '@opentelemetry/api-logs';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { FerryEvent, JsonValue } from '@ferry/sdk';
import { hrTimeToNanos, millisToHrTime, parseTimestamp, renderTimestamp } from './time.js';

/** The instrumentation scope of every record Ferry sends; a receiver knows a Ferry event by it. */
export const FERRY_SCOPE = Object.freeze({ name: 'ferry', version: '1' });

/** The resource of the records an exporter sends: `service.name` and any other attributes. */
export function resourceOf(serviceName: string, attributes: Readonly<Record<string, string>> = {}): Resource {
  return resourceFromAttributes({ ...attributes, 'service.name': serviceName });
}

/** Severity per event type, as the seed's Datadog category processor sets it. */
export function severityOf(type: string): { readonly number: SeverityNumber; readonly text: string } {
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
 * A Ferry event as an OpenTelemetry log record, per the README's mapping: the type is the
 * event name (and `event.name`), the id `log.record.uid`, `createdAt` the timestamp (to the
 * nanosecond), the time Ferry accepted it the observed timestamp, `data` the body, and any
 * other top-level field a `ferry.<field>` attribute. When `createdAt` is not in the form a
 * timestamp renders back to (`…:00Z`, or 3, 6 or 9 fraction digits, UTC), its text also
 * travels as `ferry.createdAt`, so a Ferry receiving it restores the field as it was.
 */
export function toReadableLogRecord(event: FerryEvent, receivedAt: number, resource: Resource): ReadableLogRecord {
  const severity = severityOf(event.type);
  const time = typeof event.createdAt === 'string' ? parseTimestamp(event.createdAt) : undefined;
  const attributes: LogAttributes = { 'event.name': event.type, 'log.record.uid': event.id };
  if (time === undefined || renderTimestamp(hrTimeToNanos(time)) !== event.createdAt) attributes['ferry.createdAt'] = toAnyValue(event.createdAt);
  for (const [key, value] of Object.entries(event)) if (!ENVELOPE.has(key)) attributes[`ferry.${key}`] = toAnyValue(value);
  return {
    hrTime: time ?? [0, 0],
    hrTimeObserved: millisToHrTime(receivedAt),
    severityNumber: severity.number,
    severityText: severity.text,
    eventName: event.type,
    body: toAnyValueMap(event.data),
    resource,
    instrumentationScope: FERRY_SCOPE,
    attributes,
    droppedAttributesCount: 0,
  };
}

/**
 * The same mapping for the OpenTelemetry logs API (`logger.emit`), where an SDK adds the
 * resource and scope: millisecond timestamps, no `ferry.createdAt`.
 */
export function toLogRecord(event: FerryEvent, receivedAt?: number): LogRecord {
  const severity = severityOf(event.type);
  const createdAt = Date.parse(event.createdAt);
  const attributes: LogAttributes = { 'event.name': event.type, 'log.record.uid': event.id };
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
