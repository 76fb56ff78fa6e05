import type { FerryEvent } from '@ferry/sdk';

/** The placeholder a subject template replaces with the event's type. */
export const TYPE_PLACEHOLDER = '<type>';

/**
 * A token of a subject: never empty, no whitespace, and never a wildcard (`*`, `>`), which
 * cannot be published to. An event type `grant.created` stays two tokens.
 */
function safeTokens(text: string): string {
  return text
    .split('.')
    .map((token) => (token === '' || token === '*' || token === '>' ? '_' : token.replace(/[\s*>]/g, '_')))
    .join('.');
}

/** The subject an event is published on: the template with `<type>` replaced. */
export function subjectFor(template: string, event: Pick<FerryEvent, 'type'>): string {
  return template.includes(TYPE_PLACEHOLDER) ? template.split(TYPE_PLACEHOLDER).join(safeTokens(event.type)) : template;
}

/**
 * The subjects a template can produce, as a filter: `ferry.events.<type>` → `ferry.events.>`.
 * A type may be several tokens, so `<type>` as the last token becomes `>`, elsewhere `*`
 * (which then only covers one-token types — say so in the docs).
 */
export function templateFilter(template: string): string {
  const tokens = template.split('.');
  return tokens.map((t, i) => (t.includes(TYPE_PLACEHOLDER) ? (i === tokens.length - 1 && t === TYPE_PLACEHOLDER ? '>' : '*') : t)).join('.');
}

/** Whether `subject` (or, with wildcards, every subject it stands for) is matched by `filter` (NATS wildcard rules). */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    const token = f[i] as string;
    if (token === '>') return s.length > i && s[i] !== undefined;
    const other = s[i];
    if (other === undefined) return false;
    if (token === '*') {
      if (other === '>') return false;
      continue;
    }
    if (token !== other) return false;
  }
  return s.length === f.length;
}

/** Whether some filter of `filters` covers `subject`. */
export function coveredBy(filters: readonly string[], subject: string): boolean {
  return filters.some((f) => subjectMatches(f, subject));
}
