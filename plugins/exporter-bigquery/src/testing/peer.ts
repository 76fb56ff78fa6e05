/**
 * A local BigQuery REST endpoint for tests, benchmarks and the end-to-end suite: real HTTP
 * on 127.0.0.1 implementing what the client library calls for the exporter — tables.get,
 * tables.insert and tabledata.insertAll under `/bigquery/v2/projects/<p>/datasets/<d>/` —
 * and checking every insertAll request as `checks.ts` describes.
 *
 *   const peer = await startBigQueryPeer({ project: 'p', dataset: 'd', tables: ['events'] });
 *   exporter config: { projectId: 'p', datasetId: 'd', tableId: 'events', apiEndpoint: peer.url, anonymous: true }
 *
 * It answers as BigQuery does: 404 `notFound` for a missing table or dataset, 409
 * `alreadyExists`, 400 past the request limits, and per-row `insertErrors` for rows it
 * refuses (an unknown or missing column, a non-string value, or an event id given to
 * `refuse`): without `skipInvalidRows` nothing of such a request is inserted and its other
 * rows are reported `stopped`. Anything Ferry must never send is recorded in `violations`
 * (tests assert it stays empty): a request over 10,000,000 bytes or 50,000 rows, an insert id
 * that is not the event id (or its `sha256:` digest past 128 bytes) or repeats within a
 * request, columns other than the seed's (and `ferry` where the table has it), values that
 * are not strings, `data` that is not JSON text of an object, credentials sent while
 * `anonymous`, an insert into an unknown table, an unknown path.
 *
 * - `received`: every inserted row (`{ table, insertId, json }`), decoded, in arrival order;
 *   `tables.get(name).rows` holds the same per table, with its schema, partitioning, clustering.
 * - `requests`: one record per API call (`api`, rows, bytes, status, `kind`); `insertRequests`:
 *   the insertAll ones.
 * - `inject(fault, times)`: answer the next `times` calls with the fault instead:
 *   `{ status, reason?, message?, retryAfter? }` as a BigQuery error body, `{ reset: true }`
 *   (connection destroyed before an answer), `{ hang: true }` (never answered); `on` aims it
 *   at `insertAll` (default), `tables.get` or `tables.insert`. `faults` is the plan itself.
 * - `refuse(eventId, error?)`: rows of that event are invalid (default reason `invalid`).
 * - `tooLarge`: answer 413 (as a proxy would, not a violation) to insertAll bodies over this many bytes.
 * - `clear()`: forget rows, records, violations, faults and refusals; `close()`: stop.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_LIMITS, checkInsertAll, rowErrors, SEED_COLUMNS } from './checks.js';

export type PeerFault = (
  | { readonly status: number; readonly reason?: string; readonly message?: string; readonly retryAfter?: string }
  | { readonly reset: true }
  | { readonly hang: true }
) & { readonly on?: PeerApi };

export type PeerApi = 'insertAll' | 'tables.get' | 'tables.insert';

export interface RowRefusal {
  readonly reason: string;
  readonly location?: string;
  readonly message: string;
}

export interface InsertedRow {
  readonly insertId: string;
  readonly json: Record<string, unknown>;
}

export interface ReceivedRow extends InsertedRow {
  readonly table: string;
}

export interface PeerColumn {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
}

export interface PeerTable {
  readonly schema: { readonly fields: readonly PeerColumn[] };
  readonly timePartitioning?: unknown;
  readonly clustering?: unknown;
  readonly location: string;
  readonly rows: InsertedRow[];
}

export interface PeerRequest {
  readonly api: PeerApi | 'unknown';
  readonly table: string | undefined;
  readonly rows: number;
  readonly bytes: number;
  readonly status: number;
  readonly kind?: unknown;
}

export interface BigQueryPeerOptions {
  readonly project: string;
  readonly dataset: string;
  /** Tables that exist from the start, with the seed's columns. */
  readonly tables?: readonly string[];
  /** Those tables also have the nullable `ferry` column. */
  readonly ferryColumn?: boolean;
  /** The dataset's location, reported by tables.get (default `US`). */
  readonly location?: string;
  /** Whether clients must send no credentials (default true). */
  readonly anonymous?: boolean;
  /** Faults for the first calls, in order. */
  readonly faults?: readonly PeerFault[];
}

export interface BigQueryPeer {
  /** The exporter's `apiEndpoint` (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Same as `url`. */
  readonly endpoint: string;
  readonly received: ReceivedRow[];
  readonly tables: Map<string, PeerTable>;
  readonly requests: PeerRequest[];
  readonly insertRequests: PeerRequest[];
  readonly violations: string[];
  readonly faults: PeerFault[];
  readonly refusals: Map<string, RowRefusal>;
  tooLarge: number | undefined;
  inject(fault: PeerFault, times?: number): void;
  refuse(eventId: string, refusal?: RowRefusal): void;
  clear(): void;
  close(): Promise<void>;
}

const DEFAULT_REFUSAL: RowRefusal = { reason: 'invalid', location: 'data', message: 'no such field: data.bogus.' };

const seedSchema = (ferry: boolean) => ({
  fields: [
    ...SEED_COLUMNS.map((name) => ({ name, type: 'STRING', mode: name === 'data' ? 'NULLABLE' : 'REQUIRED' })),
    ...(ferry ? [{ name: 'ferry', type: 'STRING', mode: 'NULLABLE' }] : []),
  ],
});

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of request) chunks.push(chunk as Buffer);
  } catch {
    return undefined; // the client went away mid-request
  }
  return Buffer.concat(chunks);
}

const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));

const errorBody = (status: number, reason: string, message: string) => ({ error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: reason } });

export async function startBigQueryPeer(options: BigQueryPeerOptions): Promise<BigQueryPeer> {
  const { project, dataset } = options;
  const location = options.location ?? 'US';
  const tables = new Map<string, PeerTable>();
  for (const name of options.tables ?? []) tables.set(name, { schema: seedSchema(options.ferryColumn === true), location, rows: [] });
  const received: ReceivedRow[] = [];
  const requests: PeerRequest[] = [];
  const insertRequests: PeerRequest[] = [];
  const violations: string[] = [];
  const faults: PeerFault[] = [...(options.faults ?? [])];
  const refusals = new Map<string, RowRefusal>();
  const base = `/bigquery/v2/projects/${project}/datasets/${dataset}/tables`;
  const tableResource = (id: string, table: PeerTable) => ({
    kind: 'bigquery#table',
    id: `${project}:${dataset}.${id}`,
    tableReference: { projectId: project, datasetId: dataset, tableId: id },
    schema: table.schema,
    location: table.location,
    ...(table.timePartitioning ? { timePartitioning: table.timePartitioning } : {}),
    ...(table.clustering ? { clustering: table.clustering } : {}),
  });

  const record = (entry: PeerRequest) => {
    requests.push(entry);
    if (entry.api === 'insertAll') insertRequests.push(entry);
  };
  const takeFault = (api: PeerApi): PeerFault | undefined => {
    const at = faults.findIndex((f) => (f.on ?? 'insertAll') === api);
    return at === -1 ? undefined : faults.splice(at, 1)[0];
  };
  /** Answers with the fault; returns the status recorded (0: no answer). */
  const answerFault = (fault: PeerFault, request: IncomingMessage, response: ServerResponse): number => {
    if ('reset' in fault) {
      request.socket.destroy();
      return 0;
    }
    if ('hang' in fault) return 0;
    const reason = fault.reason ?? (fault.status === 429 || fault.status === 403 ? 'rateLimitExceeded' : fault.status >= 500 ? 'backendError' : 'invalid');
    sendJson(response, fault.status, errorBody(fault.status, reason, fault.message ?? `injected ${fault.status} ${reason}`), fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
    return fault.status;
  };

  const tablesGet = (id: string, request: IncomingMessage, response: ServerResponse) => {
    const fault = takeFault('tables.get');
    if (fault) return record({ api: 'tables.get', table: id, rows: 0, bytes: 0, status: answerFault(fault, request, response) });
    const table = tables.get(id);
    const status = table === undefined ? 404 : 200;
    record({ api: 'tables.get', table: id, rows: 0, bytes: 0, status });
    if (table === undefined) return sendJson(response, 404, errorBody(404, 'notFound', `Not found: Table ${project}:${dataset}.${id}`));
    sendJson(response, 200, tableResource(id, table));
  };

  const tablesInsert = (raw: Buffer, request: IncomingMessage, response: ServerResponse) => {
    let resource: { tableReference?: { projectId?: string; datasetId?: string; tableId?: string }; schema?: { fields?: PeerColumn[] }; timePartitioning?: unknown; clustering?: unknown } = {};
    try {
      resource = JSON.parse(raw.toString('utf8')) as typeof resource;
    } catch {
      violations.push('a tables.insert body that is not JSON');
    }
    const id = resource.tableReference?.tableId ?? '';
    const fault = takeFault('tables.insert');
    if (fault) return record({ api: 'tables.insert', table: id, rows: 0, bytes: raw.length, status: answerFault(fault, request, response) });
    if (resource.tableReference?.projectId !== project || resource.tableReference.datasetId !== dataset || id === '') {
      violations.push(`tables.insert with tableReference ${JSON.stringify(resource.tableReference)}`);
    }
    if (!Array.isArray(resource.schema?.fields) || resource.schema.fields.length === 0) violations.push('tables.insert without a schema');
    if (tables.has(id)) {
      record({ api: 'tables.insert', table: id, rows: 0, bytes: raw.length, status: 409 });
      return sendJson(response, 409, errorBody(409, 'duplicate', `Already Exists: Table ${project}:${dataset}.${id}`));
    }
    const table: PeerTable = { schema: { fields: resource.schema?.fields ?? [] }, timePartitioning: resource.timePartitioning, clustering: resource.clustering, location, rows: [] };
    tables.set(id, table);
    record({ api: 'tables.insert', table: id, rows: 0, bytes: raw.length, status: 200 });
    sendJson(response, 200, tableResource(id, table));
  };

  const insertAll = (id: string, raw: Buffer, request: IncomingMessage, response: ServerResponse) => {
    const table = tables.get(id);
    const count = (status: number, rows = 0, kind?: unknown) => record({ api: 'insertAll', table: id, rows, bytes: raw.length, status, kind });
    if (table === undefined) {
      violations.push(`insertAll into table ${id}, which does not exist`);
      count(404);
      return sendJson(response, 404, errorBody(404, 'notFound', `Not found: Table ${project}:${dataset}.${id}`));
    }
    if (!String(request.headers['content-type']).startsWith('application/json')) violations.push(`insertAll with Content-Type ${String(request.headers['content-type'])}`);
    if (peer.tooLarge !== undefined && raw.length > peer.tooLarge) {
      count(413);
      return response.writeHead(413, { 'content-type': 'text/html' }).end('<html><body>413 Request Entity Too Large</body></html>');
    }
    const columns = new Map(table.schema.fields.map((f) => [f.name.toLowerCase(), f]));
    const checked = checkInsertAll(raw.toString('utf8'), raw.length, new Set(columns.keys()));
    violations.push(...checked.problems);
    const rows = checked.rows ?? [];
    if (checked.refusal) {
      count(checked.refusal.status, rows.length, checked.kind);
      return sendJson(response, checked.refusal.status, errorBody(checked.refusal.status, checked.refusal.reason, checked.refusal.message));
    }
    const fault = takeFault('insertAll');
    if (fault) return count(answerFault(fault, request, response), rows.length, checked.kind);
    const errors = rows.map((row) => {
      const refusal = refusals.get(String(row.json.event_id));
      return refusal ? [refusal] : rowErrors(row, columns, checked.ignoreUnknownValues);
    });
    const invalid = errors.some((e) => e.length > 0);
    const insertErrors = errors.flatMap((e, index) => (e.length > 0 ? [{ index, errors: e }] : invalid && !checked.skipInvalidRows ? [{ index, errors: [{ reason: 'stopped', location: '', message: '' }] }] : []));
    for (const [index, row] of rows.entries()) {
      if (invalid && (!checked.skipInvalidRows || (errors[index]?.length ?? 0) > 0)) continue;
      table.rows.push({ insertId: row.insertId, json: row.json });
      received.push({ table: id, insertId: row.insertId, json: row.json });
    }
    count(200, rows.length, checked.kind);
    sendJson(response, 200, { kind: 'bigquery#tableDataInsertAllResponse', ...(insertErrors.length > 0 ? { insertErrors } : {}) });
  };

  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://peer').pathname;
    const match = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables(?:\/([^/]+)(\/insertAll)?)?$/.exec(path);
    const api: PeerApi | undefined =
      match === null ? undefined : match[3] === undefined ? (request.method === 'POST' ? 'tables.insert' : undefined) : match[4] ? (request.method === 'POST' ? 'insertAll' : undefined) : request.method === 'GET' ? 'tables.get' : undefined;
    // A reset happens before the body is read, as a dropped connection would.
    const first = api === undefined ? undefined : faults.find((f) => (f.on ?? 'insertAll') === api);
    if (api !== undefined && first !== undefined && 'reset' in first) {
      takeFault(api);
      record({ api, table: match?.[3], rows: 0, bytes: 0, status: 0 });
      request.socket.destroy();
      return;
    }
    const raw = await readBody(request);
    if (raw === undefined) return;
    if (options.anonymous !== false && request.headers.authorization !== undefined) violations.push('credentials sent to an endpoint that wants none (anonymous)');
    if (match === null || api === undefined) {
      violations.push(`unexpected ${String(request.method)} ${path}`);
      record({ api: 'unknown', table: undefined, rows: 0, bytes: raw.length, status: 404 });
      return sendJson(response, 404, errorBody(404, 'notFound', `Not found: URL ${path}`));
    }
    if (match[1] !== project || match[2] !== dataset) {
      record({ api, table: match[3], rows: 0, bytes: raw.length, status: 404 });
      if (api === 'insertAll') violations.push(`insertAll into ${match[1]}:${match[2]}, not ${project}:${dataset}`);
      return sendJson(response, 404, errorBody(404, 'notFound', `Not found: Dataset ${match[1]}:${match[2]}`));
    }
    if (api === 'tables.get') return tablesGet(match[3] as string, request, response);
    if (api === 'tables.insert') return tablesInsert(raw, request, response);
    return insertAll(match[3] as string, raw, request, response);
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      violations.push(`peer failure: ${error instanceof Error ? error.message : String(error)}`);
      response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const peer: BigQueryPeer = {
    url,
    endpoint: url,
    received,
    tables,
    requests,
    insertRequests,
    violations,
    faults,
    refusals,
    tooLarge: undefined,
    inject: (fault, times = 1) => {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    refuse: (eventId, refusal = DEFAULT_REFUSAL) => {
      refusals.set(eventId, refusal);
    },
    clear: () => {
      for (const table of tables.values()) table.rows.length = 0;
      received.length = 0;
      requests.length = 0;
      insertRequests.length = 0;
      violations.length = 0;
      faults.length = 0;
      refusals.clear();
      peer.tooLarge = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return peer;
}
