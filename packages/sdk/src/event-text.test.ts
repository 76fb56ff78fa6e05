import { describe, expect, it } from 'vitest';
import { createBatch } from './batch.js';
import { decodeEvent } from './event.js';
import { asLine, eventLine, textOf, withText } from './event-text.js';
import { memberTexts } from './json-members.js';

/** What re-serializing would change: a number past 2^53, integer-like keys, escapes, deep nesting. */
const deep = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`;
const SOURCE = `{"id":"evt_1","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"z":1,"10":"ten","2":"two","n":12345678901234567890,"e":"caf\\u00e9 café \\ud83d\\ude80 🚀","d":${deep},"f":1.50}}`;

describe('an event and its text', () => {
  it('keeps the text it was decoded from, which re-serializing would change', () => {
    const decoded = decodeEvent(SOURCE);
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(textOf(decoded.event)).toBe(SOURCE);
    expect(eventLine(decoded.event)).toBe(SOURCE);
    expect(JSON.stringify(decoded.event)).not.toBe(SOURCE);
  });

  it('is not carried by a copy, so a changed event is serialized afresh', () => {
    const decoded = decodeEvent(SOURCE);
    if (!decoded.ok) throw new Error(decoded.problem);
    const changed = { ...decoded.event, data: {} };
    expect(textOf(changed)).toBeUndefined();
    expect(eventLine(changed)).toBe(JSON.stringify(changed));
    expect(textOf(structuredClone(decoded.event))).toBeUndefined();
    expect(Object.keys(decoded.event)).toEqual(['id', 'type', 'createdAt', 'data']);
  });

  it('becomes one NDJSON line without changing a value: line breaks between tokens become spaces', () => {
    expect(asLine(SOURCE)).toBe(SOURCE);
    const pretty = '\n {\r\n  "id": "e",\n  "data": { "s": "a\\nb" }\n}\n';
    expect(asLine(pretty)).toBe('{    "id": "e",   "data": { "s": "a\\nb" } }');
    expect(JSON.parse(asLine(pretty))).toEqual(JSON.parse(pretty));
  });

  it('is what a batch holds as its lines, and its events carry their line', () => {
    const decoded = decodeEvent(SOURCE);
    if (!decoded.ok) throw new Error(decoded.problem);
    const batch = createBatch([decoded.event, withText({ id: 'x', type: 't', createdAt: 'c', data: {} }, '{"id":"x", "type":"t","createdAt":"c","data":{}}')]);
    expect(batch.lines).toEqual([SOURCE, '{"id":"x", "type":"t","createdAt":"c","data":{}}']);
    const [first] = createBatch({ lines: batch.lines }).events;
    expect(textOf(first!)).toBe(SOURCE);
  });
});

describe('memberTexts', () => {
  it('gives the exact text of top-level members, wherever they are and whatever they hold', () => {
    expect(memberTexts(SOURCE, ['id', 'data', 'absent'])).toEqual({ id: '"evt_1"', data: SOURCE.slice(SOURCE.indexOf('{"z"'), -1) });
    const odd = ' { "d\\u0061ta" : [ "}" , {"x":"\\"]"} ] , "n":-1.5e3 ,"t":true,"data2":null}';
    expect(memberTexts(odd, ['data', 'n', 't', 'data2'])).toEqual({ data: '[ "}" , {"x":"\\"]"} ]', n: '-1.5e3', t: 'true', data2: 'null' });
  });
});
