import type { Table } from '@google-cloud/bigquery';
import { RetryableError } from '@ferry/sdk';
import type { RowErrorDetail } from './errors.js';

/** The part of a tabledata.insertAll response Ferry reads. */
export interface InsertAllResponse {
  readonly kind?: string;
  readonly insertErrors?: ReadonlyArray<{ readonly index?: number; readonly errors?: readonly RowErrorDetail[] }>;
}

/**
 * Sends one tabledata.insertAll request through the client library (its endpoint, auth,
 * user agent and error parsing), with the body already serialized.
 *
 * Not `Table.insert`: it deep-copies every row, and the client then replaces the text
 * `{{projectId}}` in every string of a JSON body with the project id — an event whose data
 * mentions `{{projectId}}` would be stored altered. A text body is passed through untouched,
 * and its size is exactly what `requestBytes` measured.
 */
export async function insertAll(table: Table, body: string, signal: AbortSignal): Promise<InsertAllResponse> {
  const sent = table.request({ method: 'POST', uri: '/insertAll', body, headers: { 'Content-Type': 'application/json; charset=utf-8' } }) as Promise<unknown[]>;
  const [response] = await unlessAborted(sent, signal, 'the insertAll request');
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    throw new RetryableError('the insertAll answer is not a BigQuery response (a JSON object); is apiEndpoint a BigQuery API?');
  }
  const answer = response as InsertAllResponse;
  if (answer.kind !== undefined && answer.kind !== 'bigquery#tableDataInsertAllResponse') {
    throw new RetryableError(`the insertAll answer is a ${String(answer.kind)}, not a bigquery#tableDataInsertAllResponse; is apiEndpoint a BigQuery API?`);
  }
  return answer;
}

/**
 * Stops waiting for `work` once `signal` aborts. The client library cannot take a signal
 * (its HTTP layer drops it), so the request itself runs on until it ends; if it succeeds
 * after all, the retry that follows carries the same insert ids for BigQuery to drop.
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  const abandoned = () => new RetryableError(`stopped waiting for ${what}: ${reasonText(signal.reason)}`);
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abandoned());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      reject(abandoned());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
}
