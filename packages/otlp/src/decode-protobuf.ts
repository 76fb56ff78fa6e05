import type { Attributes, DecodedRecord, OtlpValue } from './value.js';

/** The request could not be read; the message says where. */
export class MalformedRequest extends Error {
  override readonly name = 'MalformedRequest';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A cursor over protobuf bytes, for the few OTLP logs messages. Varints are read as
 * bigints where the field is 64-bit, so nothing is rounded; unknown fields are skipped, as
 * protobuf requires (a newer sender's fields must not break an older receiver).
 */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedRequest('truncated varint');
      const byte = this.buf[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new MalformedRequest('varint longer than 10 bytes');
  }

  small(): number {
    return Number(BigInt.asUintN(32, this.varint()));
  }

  tag(): { field: number; wire: number } {
    const tag = this.small();
    return { field: tag >>> 3, wire: tag & 7 };
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new MalformedRequest('truncated fixed64');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getBigUint64(0, true);
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new MalformedRequest('truncated fixed32');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getUint32(0, true);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new MalformedRequest('truncated double');
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** A length-delimited field as a reader over its bytes. */
  sub(): Reader {
    const length = this.small();
    if (this.pos + length > this.end) throw new MalformedRequest('a length past the end of the message');
    const reader = new Reader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return reader;
  }

  bytes(): Uint8Array {
    const sub = this.sub();
    return this.buf.slice(sub.pos, sub.end);
  }

  string(): string {
    try {
      return decoder.decode(this.bytes());
    } catch {
      throw new MalformedRequest('a string that is not UTF-8');
    }
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.sub();
    else if (wire === 5) this.pos += 4;
    else throw new MalformedRequest(`wire type ${wire}`);
    if (this.pos > this.end) throw new MalformedRequest('a field past the end of the message');
  }

  /** Calls `read` for each field of this message. */
  fields(read: (field: number, wire: number) => boolean): void {
    while (!this.done) {
      const { field, wire } = this.tag();
      if (!read(field, wire)) this.skip(wire);
    }
  }
}

function anyValue(reader: Reader): OtlpValue {
  let value: OtlpValue = { kind: 'empty' };
  reader.fields((field, wire) => {
    if (field === 1 && wire === 2) value = { kind: 'string', value: reader.string() };
    else if (field === 2 && wire === 0) value = { kind: 'bool', value: reader.varint() !== 0n };
    else if (field === 3 && wire === 0) value = { kind: 'int', value: BigInt.asIntN(64, reader.varint()) };
    else if (field === 4 && wire === 1) value = { kind: 'double', value: reader.double() };
    else if (field === 5 && wire === 2) {
      const values: OtlpValue[] = [];
      const array = reader.sub();
      array.fields((f, w) => (f === 1 && w === 2 ? (values.push(anyValue(array.sub())), true) : false));
      value = { kind: 'array', values };
    } else if (field === 6 && wire === 2) {
      const list = reader.sub();
      const entries: Array<readonly [string, OtlpValue]> = [];
      list.fields((f, w) => (f === 1 && w === 2 ? (entries.push(keyValue(list.sub())), true) : false));
      value = { kind: 'kvlist', entries };
    } else if (field === 7 && wire === 2) value = { kind: 'bytes', value: reader.bytes() };
    else return false;
    return true;
  });
  return value;
}

function keyValue(reader: Reader): readonly [string, OtlpValue] {
  let key = '';
  let value: OtlpValue = { kind: 'empty' };
  reader.fields((field, wire) => {
    if (field === 1 && wire === 2) key = reader.string();
    else if (field === 2 && wire === 2) value = anyValue(reader.sub());
    else return false;
    return true;
  });
  return [key, value];
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function logRecord(reader: Reader, resource: DecodedRecord['resource'], scope: DecodedRecord['scope']): DecodedRecord {
  const record = { resource, scope, timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '', body: { kind: 'empty' } as OtlpValue, attributes: [] as Array<readonly [string, OtlpValue]>, flags: 0, traceId: '', spanId: '', eventName: '' };
  reader.fields((field, wire) => {
    if (field === 1 && wire === 1) record.timeUnixNano = reader.fixed64();
    else if (field === 11 && wire === 1) record.observedTimeUnixNano = reader.fixed64();
    else if (field === 2 && wire === 0) record.severityNumber = reader.small();
    else if (field === 3 && wire === 2) record.severityText = reader.string();
    else if (field === 5 && wire === 2) record.body = anyValue(reader.sub());
    else if (field === 6 && wire === 2) record.attributes.push(keyValue(reader.sub()));
    else if (field === 8 && wire === 5) record.flags = reader.fixed32();
    else if (field === 9 && wire === 2) record.traceId = hex(reader.bytes());
    else if (field === 10 && wire === 2) record.spanId = hex(reader.bytes());
    else if (field === 12 && wire === 2) record.eventName = reader.string();
    else return false;
    return true;
  });
  return record;
}

function attributesOf(reader: Reader): Attributes {
  const attributes: Array<readonly [string, OtlpValue]> = [];
  reader.fields((field, wire) => (field === 1 && wire === 2 ? (attributes.push(keyValue(reader.sub())), true) : false));
  return attributes;
}

/** An ExportLogsServiceRequest in protobuf, as every log record it holds with its resource and scope. */
export function decodeProtobufRequest(bytes: Uint8Array): DecodedRecord[] {
  const records: DecodedRecord[] = [];
  const request = new Reader(bytes);
  request.fields((field, wire) => {
    if (field !== 1 || wire !== 2) return false;
    const resourceLogs = request.sub();
    let resource: DecodedRecord['resource'] = { attributes: [], schemaUrl: '' };
    const scopeLogs: Reader[] = [];
    let schemaUrl = '';
    resourceLogs.fields((f, w) => {
      if (f === 1 && w === 2) resource = { ...resource, attributes: attributesOf(resourceLogs.sub()) };
      else if (f === 2 && w === 2) scopeLogs.push(resourceLogs.sub());
      else if (f === 3 && w === 2) schemaUrl = resourceLogs.string();
      else return false;
      return true;
    });
    resource = { ...resource, schemaUrl };
    for (const scopeReader of scopeLogs) {
      let scope: DecodedRecord['scope'] = { name: '', version: '', attributes: [] };
      const logs: Reader[] = [];
      scopeReader.fields((f, w) => {
        if (f === 1 && w === 2) {
          const s = scopeReader.sub();
          const found = { name: '', version: '', attributes: [] as Attributes };
          s.fields((sf, sw) => {
            if (sf === 1 && sw === 2) found.name = s.string();
            else if (sf === 2 && sw === 2) found.version = s.string();
            else if (sf === 3 && sw === 2) found.attributes = [...found.attributes, keyValue(s.sub())];
            else return false;
            return true;
          });
          scope = found;
        } else if (f === 2 && w === 2) logs.push(scopeReader.sub());
        else return false;
        return true;
      });
      for (const log of logs) records.push(logRecord(log, resource, scope));
    }
    return true;
  });
  return records;
}
