import { isPermanent, PermanentError } from '../errors.js';
import type { ExportResult, RejectedEvent } from '../exporter.js';
import { isRequestTooLarge } from './status.js';

/** One encoded event of a batch, as an exporter sends it: `index` is its place in the batch. */
export interface RequestItem {
  readonly index: number;
}

export interface SendInRequestsOptions<Item extends RequestItem> {
  /** How many events the batch holds. */
  readonly count: number;
  /** The batch's items, in requests that each fit the destination's limits (by count and bytes). */
  readonly requests: ReadonlyArray<readonly Item[]>;
  /** Events refused before sending (too large even alone, not encodable), reported with the rest. */
  readonly rejected?: readonly RejectedEvent[];
  /**
   * Sends one request. Resolves when the destination answered for it: with the items it
   * refused one by one (BigQuery's `insertErrors`, by batch index), or nothing when it took
   * them all. Throws what the answer means for the whole request (`statusError`,
   * `unreachable`): a RequestTooLargeError sends it again in halves.
   */
  send(items: readonly Item[]): Promise<readonly RejectedEvent[] | void>;
  /** The error for an item refused as too large even alone (default: the refusal as a PermanentError). */
  tooLarge?(item: Item, refusal: Error): Error;
  /** Told each time a request is sent in halves after a 413 (for a debug line). */
  onSplit?(items: number): void;
}

/** Whether sending more now would only meet the same answer: the destination is failing, pushing back or refusing the config. */
function halts(error: Error): boolean {
  return !isPermanent(error) || error.name === 'ConfigError';
}

interface Outcome {
  readonly rejected: RejectedEvent[];
  /** Set when the rest of the batch must wait for the host's retry. */
  readonly halt?: Error;
}

const all = (items: readonly RequestItem[], error: Error): RejectedEvent[] => items.map((item) => ({ index: item.index, error }));

/**
 * Sends a batch as several requests, the way every HTTP exporter must, and answers what
 * `export` returns:
 * - requests go one after the other; a request refused for its content (a PermanentError:
 *   a 400) rejects its own events and the next request still goes;
 * - a request the destination cannot take now (retryable, push-back, no answer) or a
 *   configuration it refuses (ConfigError: a bad key) stops the batch: that request's
 *   events and every unsent one are rejected with that error, for the host to retry (or
 *   hold) — sending them now would only meet the same answer;
 * - a 413 (RequestTooLargeError) sends the request again in halves, down to single events,
 *   of which one still refused is rejected for good (`tooLarge`);
 * - when every event failed for one reason, that error is thrown, so the host treats the
 *   batch as a whole (and sees its Retry-After); otherwise the per-event outcomes are
 *   returned in batch order, and only those events are retried or dead-lettered.
 */
export async function sendInRequests<Item extends RequestItem>(options: SendInRequestsOptions<Item>): Promise<ExportResult | void> {
  const rejected: RejectedEvent[] = [...(options.rejected ?? [])];
  const { requests } = options;
  for (let at = 0; at < requests.length; at++) {
    const outcome = await sendOne(requests[at] ?? [], options);
    rejected.push(...outcome.rejected);
    if (outcome.halt !== undefined) {
      for (const unsent of requests.slice(at + 1)) rejected.push(...all(unsent, outcome.halt));
      break;
    }
  }
  if (rejected.length === 0) return undefined;
  const first = rejected[0]?.error;
  if (first !== undefined && rejected.length === options.count && rejected.every((r) => r.error === first)) throw first;
  return { rejected: rejected.sort((a, b) => a.index - b.index) };
}

/** One request; after a 413 its halves, recursively, down to a single item. */
async function sendOne<Item extends RequestItem>(items: readonly Item[], options: SendInRequestsOptions<Item>): Promise<Outcome> {
  if (items.length === 0) return { rejected: [] };
  let refused: readonly RejectedEvent[] | void;
  try {
    refused = await options.send(items);
  } catch (thrown) {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    if (isRequestTooLarge(error)) return split(items, error, options);
    return halts(error) ? { rejected: all(items, error), halt: error } : { rejected: all(items, error) };
  }
  return { rejected: [...(refused ?? [])] };
}

async function split<Item extends RequestItem>(items: readonly Item[], refusal: Error, options: SendInRequestsOptions<Item>): Promise<Outcome> {
  if (items.length === 1) {
    const only = items[0] as Item;
    return { rejected: [{ index: only.index, error: options.tooLarge?.(only, refusal) ?? new PermanentError(refusal.message, { cause: refusal }) }] };
  }
  options.onSplit?.(items.length);
  const middle = Math.ceil(items.length / 2);
  const first = await sendOne(items.slice(0, middle), options);
  if (first.halt !== undefined) return { rejected: [...first.rejected, ...all(items.slice(middle), first.halt)], halt: first.halt };
  const second = await sendOne(items.slice(middle), options);
  return { rejected: [...first.rejected, ...second.rejected], ...(second.halt === undefined ? {} : { halt: second.halt }) };
}
