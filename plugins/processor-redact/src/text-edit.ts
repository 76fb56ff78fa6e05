import { forEachItem, forEachMember, type MemberSpan } from '@ferry/sdk';
import { REMOVE } from './paths.js';

/**
 * The same change as `changeAt`, made to an event's JSON text instead of its decoded value:
 * only the redacted value (or member) is rewritten, every other byte stays as the source
 * sent it — a number beyond 2^53 elsewhere in the event, its key order, its escapes.
 * `change` gets the value's text and returns the new value's text, or REMOVE.
 */
export function changeTextAt(text: string, path: readonly string[], at: number, change: (valueText: string) => string | typeof REMOVE): string {
  const first = text.charCodeAt(skipSpace(text));
  if (first === 0x5b) return changeItems(text, path, at, change);
  if (first !== 0x7b) return text;
  const members: Array<{ name: string; span: MemberSpan }> = [];
  forEachMember(text, (name, span) => {
    members.push({ name, span });
  });
  const index = members.findLastIndex((member) => member.name === path[at]);
  if (index === -1) return text;
  const { span } = members[index] as { span: MemberSpan };
  const value = text.slice(span.valueStart, span.valueEnd);
  const replaced = at === path.length - 1 ? change(value) : changeTextAt(value, path, at + 1, change);
  if (replaced === REMOVE) return removeMember(text, members, index);
  return replaced === value ? text : text.slice(0, span.valueStart) + replaced + text.slice(span.valueEnd);
}

function changeItems(text: string, path: readonly string[], at: number, change: (valueText: string) => string | typeof REMOVE): string {
  const spans: Array<[number, number]> = [];
  forEachItem(text, (start, end) => spans.push([start, end]));
  let out = text;
  // From the last item back, so earlier positions stay valid.
  for (let i = spans.length - 1; i >= 0; i--) {
    const [start, end] = spans[i] as [number, number];
    const item = out.slice(start, end);
    const changed = changeTextAt(item, path, at, change);
    if (changed !== item) out = out.slice(0, start) + changed + out.slice(end);
  }
  return out;
}

/** The object's text without one member, and the comma that joined it to a neighbour. */
function removeMember(text: string, members: ReadonlyArray<{ span: MemberSpan }>, index: number): string {
  const { span } = members[index] as { span: MemberSpan };
  const next = members[index + 1];
  if (next !== undefined) return text.slice(0, span.start) + text.slice(next.span.start);
  const previous = members[index - 1];
  if (previous !== undefined) return text.slice(0, previous.span.valueEnd) + text.slice(span.valueEnd);
  return text.slice(0, span.start) + text.slice(span.valueEnd);
}

function skipSpace(text: string): number {
  let i = 0;
  while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i++;
  return i;
}
