/** How a value is named in an issue's "found …" (never the value of a secret). */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (secret) return 'a value (hidden: secret)';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 60 ? `"${value.slice(0, 57)}…"` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

const ARTICLES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Names what a schema asks for, for "expected …". */
export function describeSchema(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'a value';
  const s = schema as Record<string, unknown>;
  const description = typeof s.description === 'string' ? ` (${s.description.split(/(?<=\.)\s/)[0]?.replace(/\.$/, '')})` : '';
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.every((a) => typeof a === 'object' && a !== null && 'const' in a)) {
    return `one of ${alternatives.map((a) => JSON.stringify((a as { const: unknown }).const)).join(', ')}`;
  }
  const type = Array.isArray(s.type) ? s.type.map((t) => ARTICLES[String(t)] ?? String(t)).join(' or ') : ARTICLES[String(s.type)];
  return `${type ?? 'a value'}${description}`;
}
