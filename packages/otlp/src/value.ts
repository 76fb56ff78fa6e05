/**
 * An OTLP AnyValue as decoded, exactly: int64 as a bigint (never rounded through a double),
 * key-value lists in the order they came, bytes as bytes. Writing one as JSON text keeps
 * all of that (`jsonText`), so an integer beyond 2^53 from an application reaches the log
 * with every digit.
 */
export type OtlpValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'array'; readonly values: readonly OtlpValue[] }
  | { readonly kind: 'kvlist'; readonly entries: readonly (readonly [string, OtlpValue])[] }
  | { readonly kind: 'empty' };

export type Attributes = ReadonlyArray<readonly [string, OtlpValue]>;

/** One log record with where it came from, as an OTLP/HTTP request carried it. */
export interface DecodedRecord {
  readonly resource: { readonly attributes: Attributes; readonly schemaUrl: string };
  readonly scope: { readonly name: string; readonly version: string; readonly attributes: Attributes };
  /** Nanoseconds since the epoch; 0n when unknown. */
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: OtlpValue;
  readonly attributes: Attributes;
  readonly flags: number;
  /** Hex; '' when absent. */
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
}

/** The value as JSON text: integers as their exact digits, objects in their order, bytes as base64, an empty value as null. */
export function jsonText(value: OtlpValue): string {
  switch (value.kind) {
    case 'string':
      return JSON.stringify(value.value);
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'int':
      return value.value.toString();
    case 'double':
      // JSON has no NaN or Infinity: they travel as strings rather than break the event.
      return Number.isFinite(value.value) ? JSON.stringify(value.value) : JSON.stringify(String(value.value));
    case 'bytes':
      return JSON.stringify(Buffer.from(value.value).toString('base64'));
    case 'array':
      return `[${value.values.map(jsonText).join(',')}]`;
    case 'kvlist':
      return objectText(value.entries);
    case 'empty':
      return 'null';
  }
}

/** Entries as a JSON object's text; a key given twice keeps its last value, as JSON.parse would. */
export function objectText(entries: Attributes): string {
  const last = new Map<string, OtlpValue>();
  for (const [key, value] of entries) {
    last.delete(key);
    last.set(key, value);
  }
  return `{${[...last].map(([key, value]) => `${JSON.stringify(key)}:${jsonText(value)}`).join(',')}}`;
}
