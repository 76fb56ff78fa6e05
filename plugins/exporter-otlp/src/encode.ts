import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { IExportLogsServiceResponse } from '@opentelemetry/otlp-transformer';
import { resourceOf as ferryResource, toReadableLogRecord, type Resource } from '@ferry/otlp';
import type { Batch, FerryEvent } from '@ferry/sdk';
import type { OtlpExporterConfig } from './config.js';

export const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

const SERIALIZERS = { protobuf: ProtobufLogsSerializer, json: JsonLogsSerializer } as const;

export function resourceOf(config: OtlpExporterConfig): Resource {
  return ferryResource(config.serviceName, config.resourceAttributes);
}

/** One event as a log record, with its place in the batch. */
export interface Item {
  readonly index: number;
  readonly event: FerryEvent;
}

export function itemsOf(batch: Batch): Item[] {
  return batch.events.map((event, index) => ({ index, event }));
}

/**
 * An ExportLogsServiceRequest of these events, written by the OpenTelemetry transformer
 * (`ProtobufLogsSerializer` or `JsonLogsSerializer`). The mapping re-encodes each event
 * from its decoded value (OTLP has no place for JSON text): see the README for what a
 * round trip keeps.
 */
export function encodeRequest(items: readonly Item[], receivedAt: number, resource: Resource, encoding: OtlpExporterConfig['encoding']): Uint8Array {
  const records = items.map((item) => toReadableLogRecord(item.event, receivedAt, resource));
  return SERIALIZERS[encoding].serializeRequest(records) ?? new Uint8Array();
}

/** The collector's answer (a partial success, if any), read by the same transformer; undefined when unreadable or empty. */
export function decodeResponse(body: Uint8Array, encoding: OtlpExporterConfig['encoding']): IExportLogsServiceResponse | undefined {
  if (body.length === 0) return undefined;
  try {
    return SERIALIZERS[encoding].deserializeResponse(body);
  } catch {
    return undefined;
  }
}
