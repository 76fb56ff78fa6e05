import { isDeepStrictEqual } from 'node:util';
import { checkEvent } from '@ferry/sdk';

/** The Logs API v2 limits the peer enforces (decimal megabytes: the stricter reading). */
export const INTAKE_LIMITS = { entries: 1000, payloadBytes: 5_000_000, entryBytes: 1_000_000 } as const;

/** One log entry as the intake received it. */
export interface IntakeEntry {
  readonly ddsource: string;
  readonly ddtags: string;
  readonly hostname: string;
  readonly service: string;
  readonly message: string;
  readonly [attribute: string]: unknown;
}

/** Exact values every entry must carry, when a test knows them (else only the shape is checked). */
export interface ExpectedMapping {
  readonly source?: string;
  readonly service?: string;
  readonly hostname?: string;
  /** The tags after `type:<event type>`, in order. */
  readonly tags?: readonly string[];
}

const FIELDS = ['ddsource', 'ddtags', 'hostname', 'service', 'message'] as const;
const ALLOWED = new Set<string>([...FIELDS, 'ferry']);

/**
 * Ferry's mapping of one event to one entry: the seed's five fields as strings, `message`
 * a Ferry event in JSON, `ddtags` starting with `type:<that event's type>`, the integrity
 * link (and nothing else) as an extra attribute, and at most 1 MB of JSON.
 */
export function checkEntry(value: unknown, expect: ExpectedMapping | undefined): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['an entry is not a JSON object'];
  const entry = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of FIELDS) if (typeof entry[field] !== 'string' || entry[field] === '') problems.push(`an entry without a string ${field}`);
  for (const key of Object.keys(entry)) if (!ALLOWED.has(key)) problems.push(`an entry with an unexpected attribute "${key}"`);
  const size = Buffer.byteLength(JSON.stringify(entry));
  if (size > INTAKE_LIMITS.entryBytes) problems.push(`an entry of ${size} bytes (over 1 MB)`);
  if (problems.length > 0) return problems;
  const { ddsource, ddtags, hostname, service, message } = entry as unknown as IntakeEntry;
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return [`an entry whose message is not JSON: ${message.slice(0, 80)}`];
  }
  const eventProblem = checkEvent(event);
  if (eventProblem !== undefined) return [`an entry whose message is not a Ferry event: ${eventProblem}`];
  const [typeTag, ...tags] = ddtags.split(',');
  if (typeTag !== `type:${String(event.type)}`) problems.push(`ddtags "${ddtags}" does not start with type:${String(event.type)}`);
  if (tags.some((tag) => tag === '' || /\s/.test(tag))) problems.push(`ddtags "${ddtags}" holds an empty tag or whitespace`);
  if (!isDeepStrictEqual(entry.ferry, event.ferry)) problems.push(`event ${String(event.id)}: the ferry attribute differs from the event's integrity link`);
  if (expect?.source !== undefined && ddsource !== expect.source) problems.push(`ddsource "${ddsource}", expected "${expect.source}"`);
  if (expect?.service !== undefined && service !== expect.service) problems.push(`service "${service}", expected "${expect.service}"`);
  if (expect?.hostname !== undefined && hostname !== expect.hostname) problems.push(`hostname "${hostname}", expected "${expect.hostname}"`);
  if (expect?.tags !== undefined && !isDeepStrictEqual(tags, [...expect.tags])) problems.push(`ddtags "${ddtags}", expected the tags ${expect.tags.join(',')}`);
  return problems;
}

/** A decoded request body: the entries if it is a JSON array, and what is wrong with it. */
export function checkBody(text: string, expect: ExpectedMapping | undefined): { entries: IntakeEntry[] | undefined; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { entries: undefined, problems: ['the body is not JSON'] };
  }
  if (!Array.isArray(value)) return { entries: undefined, problems: ['the body is not a JSON array of entries'] };
  const problems: string[] = [];
  const bytes = Buffer.byteLength(text);
  if (value.length === 0) problems.push('an empty array of entries');
  if (value.length > INTAKE_LIMITS.entries) problems.push(`${value.length} entries in one request (over 1000)`);
  if (bytes > INTAKE_LIMITS.payloadBytes) problems.push(`${bytes} bytes uncompressed in one request (over 5 MB)`);
  for (const entry of value) problems.push(...checkEntry(entry, expect));
  return { entries: value as IntakeEntry[], problems };
}
