import { memberTexts, type Batch } from '@ferry/sdk';
import type { SplunkHecConfig } from './config.js';

/** One event in the HEC envelope, ready to be joined into a request body. */
export interface Entry {
  readonly index: number;
  readonly json: string;
}

const CREATED_AT = ['createdAt'] as const;

/** HEC's `time`: epoch seconds with milliseconds, from the event's createdAt; undefined when it is no date. */
export function hecTime(createdAtText: string | undefined): string | undefined {
  if (createdAtText === undefined) return undefined;
  const value: unknown = JSON.parse(createdAtText);
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? undefined : (ms / 1000).toFixed(3);
}

/**
 * Each event in the HEC envelope: `time` from createdAt (so Splunk files it when it
 * happened, not when it arrived), `host`, `source`, `sourcetype`, `index`, and `event` = the
 * event's stored text, the exact line Ferry archived — never a re-serialization.
 */
export function encodeBatch(batch: Batch, config: SplunkHecConfig): Entry[] {
  // The fields every envelope shares are serialized once.
  const shared = `${config.host === undefined ? '' : `"host":${JSON.stringify(config.host)},`}"source":${JSON.stringify(config.source)},"sourcetype":${JSON.stringify(config.sourcetype)},"index":${JSON.stringify(config.index)},"event":`;
  return batch.lines.map((line, index) => {
    const time = hecTime(memberTexts(line, CREATED_AT).createdAt);
    return { index, json: `{${time === undefined ? '' : `"time":${time},`}${shared}${line}}` };
  });
}

/** The request body: the envelopes one after the other, a newline apart (HEC's batch form). */
export function payload(entries: readonly Entry[]): Buffer {
  return Buffer.from(entries.map((e) => e.json).join('\n'));
}
