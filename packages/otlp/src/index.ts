/**
 * What Ferry's OTLP exporter and receiver share: a Ferry event as an OpenTelemetry log
 * record (the README's mapping) and back, and an OTLP/HTTP logs request decoder for
 * protobuf and JSON that keeps int64 values and map order exact.
 */
export { toReadableLogRecord, toLogRecord, severityOf, resourceOf, FERRY_SCOPE } from './to-record.js';
export type { Resource } from '@opentelemetry/resources';
export { recordsToEventTexts } from './to-event.js';
export { decodeProtobufRequest, MalformedRequest } from './decode-protobuf.js';
export { decodeJsonRequest } from './decode-json.js';
export { parseTimestamp, renderTimestamp } from './time.js';
export type { HrTime } from './time.js';
export type { OtlpValue, DecodedRecord, Attributes } from './value.js';
