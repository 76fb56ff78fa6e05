/**
 * A local BigQuery REST endpoint for tests and benchmarks: the subset the client library
 * calls (tables.get, tables.insert, tabledata.insertAll), checking each insertAll request's
 * path, body, insert ids and limits, and recording every violation. `faults` injects whole
 * request failures (5xx, 429) and `invalid` marks rows BigQuery would call invalid (their
 * neighbours are then reported "stopped", as BigQuery does without skipInvalidRows).
 *
 *   const peer = await startBigQueryPeer({ project: 'p', dataset: 'd', tables: ['events'] });
 *   exporter config: { projectId: 'p', datasetId: 'd', tableId: 'events', apiEndpoint: peer.url, anonymous: true }
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InsertedRow {
  readonly insertId: string;
  readonly json: Record<string, unknown>;
}

export interface BigQueryPeer {
  readonly url: string;
  readonly tables: Map<string, { schema: unknown; timePartitioning?: unknown; clustering?: unknown; rows: InsertedRow[] }>;
  readonly violations: string[];
  readonly insertRequests: Array<{ readonly rows: number; readonly bytes: number; readonly status: number }>;
  readonly faults: Array<{ readonly status: number; readonly reason: string }>;
  /** Rows whose `json.event_id` is in this set are refused as invalid. */
  readonly invalid: Set<string>;
  close(): Promise<void>;
}

const SEED_COLUMNS = ['event_id', 'event_type', 'created_at', 'data'];

async function readJson(request: IncomingMessage): Promise<{ value: unknown; bytes: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return { value: raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown), bytes: raw.length };
}

export async function startBigQueryPeer(options: { project: string; dataset: string; tables?: readonly string[]; ferryColumn?: boolean }): Promise<BigQueryPeer> {
  const tables: BigQueryPeer['tables'] = new Map();
  const schema = { fields: [...SEED_COLUMNS.map((name) => ({ name, type: 'STRING' })), ...(options.ferryColumn ? [{ name: 'ferry', type: 'STRING' }] : [])] };
  for (const table of options.tables ?? []) tables.set(table, { schema, rows: [] });
  const violations: string[] = [];
  const insertRequests: BigQueryPeer['insertRequests'] = [];
  const faults: BigQueryPeer['faults'] = [];
  const invalid = new Set<string>();
  const base = `/bigquery/v2/projects/${options.project}/datasets/${options.dataset}/tables`;

  const server = createServer((request, response) => {
    void (async () => {
      const send = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const notFound = (what: string) => send(404, { error: { code: 404, message: `Not found: Table ${what}`, errors: [{ reason: 'notFound', message: `Not found: Table ${what}` }] } });
      const url = new URL(request.url ?? '/', 'http://peer');
      const { value, bytes } = await readJson(request);
      if (request.headers.authorization !== undefined) violations.push('credentials sent to an anonymous endpoint');
      if (request.method === 'POST' && url.pathname === base) {
        const resource = value as { tableReference?: { tableId?: string }; schema?: unknown; timePartitioning?: unknown; clustering?: unknown };
        const id = resource.tableReference?.tableId ?? '';
        tables.set(id, { schema: resource.schema, timePartitioning: resource.timePartitioning, clustering: resource.clustering, rows: [] });
        return send(200, { ...resource, id: `${options.project}:${options.dataset}.${id}` });
      }
      const match = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)(\/insertAll)?$/.exec(url.pathname);
      if (match === null || match[1] !== options.project || match[2] !== options.dataset) {
        violations.push(`unexpected ${request.method} ${url.pathname}`);
        return notFound(url.pathname);
      }
      const table = tables.get(match[3] as string);
      if (match[4] === undefined) {
        if (request.method !== 'GET') violations.push(`unexpected ${request.method} on a table`);
        return table === undefined ? notFound(match[3] as string) : send(200, { tableReference: { projectId: options.project, datasetId: options.dataset, tableId: match[3] }, schema: table.schema });
      }
      if (table === undefined) return notFound(match[3] as string);
      const fault = faults.shift();
      const body = value as { rows?: Array<{ insertId?: unknown; json?: Record<string, unknown> }>; skipInvalidRows?: boolean };
      const rows = body.rows ?? [];
      if (fault) {
        insertRequests.push({ rows: rows.length, bytes, status: fault.status });
        return send(fault.status, { error: { code: fault.status, message: 'injected', errors: [{ reason: fault.reason, message: 'injected' }] } });
      }
      if (bytes > 10 * 1024 * 1024) violations.push(`request of ${bytes} bytes`);
      if (rows.length === 0 || rows.length > 50_000) violations.push(`${rows.length} rows in one request`);
      const ids = new Set<string>();
      for (const row of rows) {
        if (typeof row.insertId !== 'string' || row.insertId.length === 0 || row.insertId.length > 128) violations.push(`bad insertId ${JSON.stringify(row.insertId)}`);
        else if (ids.has(row.insertId)) violations.push(`insertId ${row.insertId} twice in one request`);
        else ids.add(row.insertId);
        const columns = Object.keys(row.json ?? {}).sort();
        const expected = [...SEED_COLUMNS, ...(options.ferryColumn && row.json?.ferry !== undefined ? ['ferry'] : [])].sort();
        if (columns.join() !== expected.join()) violations.push(`row columns ${columns.join(',')}`);
        if (row.json?.event_id !== row.insertId && !String(row.insertId).startsWith('sha256:')) violations.push(`insertId ${String(row.insertId)} is not the event id`);
      }
      const refused = rows.map((row, index) => ({ row, index })).filter(({ row }) => invalid.has(String(row.json?.event_id)));
      if (refused.length > 0 && !body.skipInvalidRows) {
        const insertErrors = rows.map((row, index) =>
          invalid.has(String(row.json?.event_id))
            ? { index, errors: [{ reason: 'invalid', location: 'data', message: 'no such field: data.bogus' }] }
            : { index, errors: [{ reason: 'stopped', message: '' }] },
        );
        insertRequests.push({ rows: rows.length, bytes, status: 200 });
        return send(200, { kind: 'bigquery#tableDataInsertAllResponse', insertErrors });
      }
      for (const row of rows) table.rows.push({ insertId: String(row.insertId), json: row.json ?? {} });
      insertRequests.push({ rows: rows.length, bytes, status: 200 });
      return send(200, { kind: 'bigquery#tableDataInsertAllResponse' });
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tables,
    violations,
    insertRequests,
    faults,
    invalid,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
