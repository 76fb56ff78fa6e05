import type { FerryEvent } from '@ferry/sdk';

export type LineEnding = 'lf' | 'crlf' | 'cr' | 'mixed';

const ENDINGS = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;

export function ending(choice: LineEnding, index: number): string {
  if (choice === 'mixed') return [ENDINGS.lf, ENDINGS.crlf, ENDINGS.cr][index % 3] as string;
  return ENDINGS[choice];
}

export interface FormatOptions {
  readonly lineEnding: LineEnding;
  readonly multilineData: boolean;
  readonly comments: boolean;
  readonly ids: boolean;
}

/** One SSE event block carrying `json` (already serialized), ending with its blank line. */
export function formatEvent(json: string, id: string | undefined, index: number, options: FormatOptions): string {
  const eol = ending(options.lineEnding, index);
  const lines: string[] = [];
  if (options.comments) lines.push(`: event ${index}`);
  if (options.ids && id !== undefined) lines.push(`id: ${id}`);
  const dataLines = options.multilineData ? JSON.stringify(JSON.parse(json), null, 2).split('\n') : [json];
  dataLines.forEach((line, i) => {
    lines.push(`data: ${line}`);
    if (options.comments && i === 0 && dataLines.length > 1) lines.push(': between data lines');
  });
  return `${lines.join(eol)}${eol}${eol}`;
}

export function formatComment(text: string, lineEnding: LineEnding): string {
  const eol = ending(lineEnding, 0);
  return `: ${text}${eol}${eol}`;
}

/** Serializes an event the way the generator sends it. */
export function eventJson(event: FerryEvent): string {
  return JSON.stringify(event);
}

/** A malformed event of one of three kinds, rotating. */
export function malformedJson(kind: number): string {
  switch (kind % 3) {
    case 0:
      return '{"id":"evt_broken","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{"unterminated"';
    case 1:
      return '{"type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":{}}';
    default:
      return '{"id":"evt_bad_data","type":"grant.created","createdAt":"2026-03-01T12:00:00Z","data":"not an object"}';
  }
}
