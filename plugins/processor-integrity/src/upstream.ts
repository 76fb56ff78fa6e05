import { forEachMember, type MemberSpan } from '@ferry/sdk';

/**
 * An event's text without its top-level `ferry` member (the envelope of an upstream Ferry),
 * and that member's value as text: cut out as text, so nothing else is re-encoded. When
 * the name occurs twice, the last one is the envelope (as JSON.parse reads it).
 */
export function withoutEnvelope(text: string): { text: string; envelope: string | undefined } {
  const members: Array<{ name: string; span: MemberSpan }> = [];
  forEachMember(text, (name, span) => {
    members.push({ name, span });
  });
  const index = members.findLastIndex((member) => member.name === 'ferry');
  if (index === -1) return { text, envelope: undefined };
  const { span } = members[index] as { span: MemberSpan };
  const envelope = text.slice(span.valueStart, span.valueEnd);
  // Cut the member with the comma that joins it to a neighbour, so the rest stays valid JSON.
  const next = members[index + 1];
  if (next !== undefined) return { text: text.slice(0, span.start) + text.slice(next.span.start), envelope };
  const previous = members[index - 1];
  if (previous !== undefined) return { text: text.slice(0, previous.span.valueEnd) + text.slice(span.valueEnd), envelope };
  return { text: text.slice(0, span.start) + text.slice(span.valueEnd), envelope };
}
