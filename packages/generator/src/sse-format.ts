/** The SSE wire text the generator writes: event blocks, comments and the malformed kinds. */

export type LineEnding = 'lf' | 'crlf' | 'cr' | 'mixed';

const ENDINGS = ['\n', '\r\n', '\r'] as const;

/** The line ending of the `index`th message: `mixed` rotates LF, CRLF, CR. */
export function lineEndingFor(choice: LineEnding, index: number): string {
  switch (choice) {
    case 'lf':
      return '\n';
    case 'crlf':
      return '\r\n';
    case 'cr':
      return '\r';
    case 'mixed':
      return ENDINGS[index % 3] as string;
  }
}

export interface EventFormat {
  readonly eol: string;
  /** The JSON pretty-printed over several `data:` lines (a client joins them with `\n`). */
  readonly multilineData: boolean;
  /** `: ...` comment lines before the event and between its field lines. */
  readonly comments: boolean;
  /** An `id:` field, which real Grantex never sends. */
  readonly id: string | undefined;
}

/** One event: its field lines and the blank line that dispatches it. */
export function formatEvent(json: string, format: EventFormat): string {
  const { eol } = format;
  let text = format.comments ? `: next event${eol}` : '';
  if (format.id !== undefined) text += `id: ${format.id}${eol}`;
  if (format.multilineData) {
    const lines = JSON.stringify(JSON.parse(json), null, 2).split('\n');
    text += lines.map((line) => `data: ${line}${eol}`).join(format.comments ? `: inside an event${eol}` : '');
  } else {
    if (format.comments && format.id !== undefined) text += `: between fields${eol}`;
    text += `data: ${json}${eol}`;
    // A comment after the last field: the blank line that follows must still dispatch.
    if (format.comments) text += `: end of fields${eol}`;
  }
  return text + eol;
}

export function formatComment(text: string, eol: string): string {
  return `: ${text}${eol}`;
}

export function formatRetry(ms: number, eol: string): string {
  return `retry: ${ms}${eol}${eol}`;
}

export const MALFORMED_KINDS = ['invalid JSON', 'missing id', 'data not an object'] as const;

/** The `kind`th malformed event (rotating through `MALFORMED_KINDS`), as JSON text. */
export function malformedJson(kind: number, createdAt: string): string {
  switch (kind % 3) {
    case 0:
      return `{"id":"evt_truncated","type":"grant.created","createdAt":"${createdAt}","data":{"grantId":"grnt_`;
    case 1:
      return `{"type":"grant.created","createdAt":"${createdAt}","data":{"grantId":"grnt_noid"}}`;
    default:
      return `{"id":"evt_data_not_object","type":"grant.created","createdAt":"${createdAt}","data":"grnt_1"}`;
  }
}
