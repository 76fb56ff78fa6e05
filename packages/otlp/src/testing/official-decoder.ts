import { createRequire } from 'node:module';

/**
 * The official OTLP decoder: the protobufjs code the OpenTelemetry JS project generated
 * from opentelemetry-proto and shipped in `@opentelemetry/otlp-transformer` up to 0.212
 * (later releases only encode). Installed here under the alias `otlp-transformer-protobufjs`
 * (a devDependency), for the checking peer only: Ferry's own decoder must agree with it.
 */
interface Message {
  readonly [field: string]: unknown;
}
interface MessageType {
  decode(bytes: Uint8Array): Message;
  encode(message: Message): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): Message;
  toObject(message: Message, options: Record<string, unknown>): Record<string, unknown>;
  verify(object: Record<string, unknown>): string | null;
}
interface Root {
  readonly opentelemetry: { readonly proto: { readonly collector: { readonly logs: { readonly v1: { readonly ExportLogsServiceRequest: MessageType; readonly ExportLogsServiceResponse: MessageType } } } } };
}

const require = createRequire(import.meta.url);
const root = require('otlp-transformer-protobufjs/build/src/generated/root.js') as Root;

export const { ExportLogsServiceRequest, ExportLogsServiceResponse } = root.opentelemetry.proto.collector.logs.v1;

/** What toObject is asked for: int64 as decimal strings (exact), bytes as base64, enums as numbers. */
export const TO_OBJECT = { longs: String, bytes: String, enums: Number, defaults: false, arrays: true } as const;
