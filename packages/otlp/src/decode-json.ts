import { MalformedRequest } from './decode-protobuf.js';
import type { Attributes, DecodedRecord, OtlpValue } from './value.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedRequest(`${where} is not an array`);
  return value;
}

function text(value: unknown, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new MalformedRequest(`${where} is not a string`);
  return value;
}

/** int64 and fixed64 travel as decimal strings in OTLP/JSON (numbers are accepted too). */
function int64(value: unknown, where: string): bigint {
  if (value === undefined || value === null || value === '') return 0n;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new MalformedRequest(`${where} is not an integer`);
}

function anyValue(value: unknown, where: string): OtlpValue {
  if (value === undefined || value === null) return { kind: 'empty' };
  if (!isObject(value)) throw new MalformedRequest(`${where} is not an AnyValue`);
  if ('stringValue' in value) return { kind: 'string', value: text(value.stringValue, where) };
  if ('boolValue' in value) return { kind: 'bool', value: value.boolValue === true };
  if ('intValue' in value) return { kind: 'int', value: int64(value.intValue, where) };
  if ('doubleValue' in value) {
    const number = typeof value.doubleValue === 'string' ? Number(value.doubleValue) : value.doubleValue;
    if (typeof number !== 'number') throw new MalformedRequest(`${where}.doubleValue is not a number`);
    return { kind: 'double', value: number };
  }
  if ('bytesValue' in value) return { kind: 'bytes', value: Buffer.from(text(value.bytesValue, where), 'base64') };
  if ('arrayValue' in value) {
    const array = isObject(value.arrayValue) ? value.arrayValue.values : undefined;
    return { kind: 'array', values: list(array, `${where}.arrayValue.values`).map((item, at) => anyValue(item, `${where}.arrayValue.values[${at}]`)) };
  }
  if ('kvlistValue' in value) {
    const entries = isObject(value.kvlistValue) ? value.kvlistValue.values : undefined;
    return { kind: 'kvlist', entries: attributes(entries, `${where}.kvlistValue.values`) };
  }
  return { kind: 'empty' };
}

function attributes(value: unknown, where: string): Attributes {
  return list(value, where).map((item, at) => {
    if (!isObject(item)) throw new MalformedRequest(`${where}[${at}] is not a KeyValue`);
    return [text(item.key, `${where}[${at}].key`), anyValue(item.value, `${where}[${at}].value`)] as const;
  });
}

/** Trace and span ids are hex in OTLP/JSON (not base64, unlike proto3's JSON mapping). */
function hexId(value: unknown, where: string): string {
  const id = text(value, where);
  if (id !== '' && !/^(?:[0-9a-fA-F]{2})+$/.test(id)) throw new MalformedRequest(`${where} is not hex`);
  return id.toLowerCase();
}

/** An ExportLogsServiceRequest in OTLP/JSON, as every log record it holds. */
export function decodeJsonRequest(body: string): DecodedRecord[] {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch (error) {
    throw new MalformedRequest(`invalid JSON (${(error as Error).message})`);
  }
  if (!isObject(request)) throw new MalformedRequest('the body is not an ExportLogsServiceRequest object');
  const records: DecodedRecord[] = [];
  list(request.resourceLogs, 'resourceLogs').forEach((resourceLogs, r) => {
    const at = `resourceLogs[${r}]`;
    if (!isObject(resourceLogs)) throw new MalformedRequest(`${at} is not an object`);
    const resourceValue = isObject(resourceLogs.resource) ? resourceLogs.resource : {};
    const resource = { attributes: attributes(resourceValue.attributes, `${at}.resource.attributes`), schemaUrl: text(resourceLogs.schemaUrl, `${at}.schemaUrl`) };
    list(resourceLogs.scopeLogs, `${at}.scopeLogs`).forEach((scopeLogs, s) => {
      const sat = `${at}.scopeLogs[${s}]`;
      if (!isObject(scopeLogs)) throw new MalformedRequest(`${sat} is not an object`);
      const scopeValue = isObject(scopeLogs.scope) ? scopeLogs.scope : {};
      const scope = { name: text(scopeValue.name, `${sat}.scope.name`), version: text(scopeValue.version, `${sat}.scope.version`), attributes: attributes(scopeValue.attributes, `${sat}.scope.attributes`) };
      list(scopeLogs.logRecords, `${sat}.logRecords`).forEach((log, l) => {
        const lat = `${sat}.logRecords[${l}]`;
        if (!isObject(log)) throw new MalformedRequest(`${lat} is not an object`);
        const severity = log.severityNumber;
        records.push({
          resource,
          scope,
          timeUnixNano: int64(log.timeUnixNano, `${lat}.timeUnixNano`),
          observedTimeUnixNano: int64(log.observedTimeUnixNano, `${lat}.observedTimeUnixNano`),
          severityNumber: typeof severity === 'number' ? severity : 0,
          severityText: text(log.severityText, `${lat}.severityText`),
          body: anyValue(log.body, `${lat}.body`),
          attributes: attributes(log.attributes, `${lat}.attributes`),
          flags: typeof log.flags === 'number' ? log.flags : 0,
          traceId: hexId(log.traceId, `${lat}.traceId`),
          spanId: hexId(log.spanId, `${lat}.spanId`),
          eventName: text(log.eventName, `${lat}.eventName`),
        });
      });
    });
  });
  return records;
}
