import type pg from 'pg';
import { decodeEvent, type FerryEvent } from '@ferry/sdk';
import { PENDING, type TableName } from '@ferry/outbox/schema';

export interface LeasePlan {
  readonly table: TableName;
  readonly afterDelivery: 'delete' | 'mark';
  readonly batchSize: number;
}

export interface Leased {
  /** Rows read in this lease (delivered and set aside). */
  readonly rows: number;
  /** Of those, rows that held no valid event: kept in the table with `failure` set. */
  readonly malformed: ReadonlyArray<{ readonly position: string; readonly problem: string }>;
}

interface Statements {
  readonly lockTenants: string;
  readonly selectRows: string;
  readonly finish: string;
  readonly setAside: string;
}

const cache = new WeakMap<LeasePlan, Statements>();

/**
 * The lease's statements. Tenants are leased, not rows: a transaction-scoped advisory lock
 * per tenant (keyed by the table and the tenant) among the oldest pending rows, so two
 * Ferry instances never read one tenant's events at the same time, and each tenant's
 * events enter a pipeline in the order they were committed and found.
 */
function statements(plan: LeasePlan): Statements {
  let found = cache.get(plan);
  if (found === undefined) {
    const t = plan.table.sql;
    found = {
      lockTenants: `SELECT tenant_id FROM (
          SELECT tenant_id, min(position) AS first FROM (SELECT tenant_id, position FROM ${t} WHERE ${PENDING} ORDER BY position LIMIT $2) head GROUP BY tenant_id
        ) candidates
        WHERE pg_try_advisory_xact_lock(hashtext($1::text), hashtext(tenant_id))
        ORDER BY first`,
      // `at`, not `position`: ORDER BY would take an output column of that name, sorting text.
      selectRows: `SELECT position::text AS at, event::text AS event FROM ${t} WHERE ${PENDING} AND tenant_id = ANY($1::text[]) ORDER BY position LIMIT $2`,
      finish: plan.afterDelivery === 'delete' ? `DELETE FROM ${t} WHERE position = ANY($1::bigint[])` : `UPDATE ${t} SET delivered_at = now() WHERE position = ANY($1::bigint[])`,
      setAside: `UPDATE ${t} SET failure = f.problem FROM unnest($1::bigint[], $2::text[]) AS f(position, problem) WHERE ${t}.position = f.position`,
    };
    cache.set(plan, found);
  }
  return found;
}

/**
 * One lease, in one transaction: lock free tenants, read their oldest pending rows, hand
 * the events to `deliver`, and only once it resolved (the pipeline accepted them durably)
 * delete or mark the rows and commit. Whatever fails before the commit — `deliver`, the
 * connection, the process — rolls back, and the rows are read again: at least once.
 *
 * Nothing here follows "position > last seen": a transaction that took its position early
 * and commits late is simply pending at a later lease.
 */
export async function lease(client: pg.Client, plan: LeasePlan, deliver: (events: FerryEvent[]) => Promise<void>): Promise<Leased> {
  const sql = statements(plan);
  await client.query('BEGIN');
  try {
    const tenants = (await client.query<{ tenant_id: string }>(sql.lockTenants, [plan.table.qualified, plan.batchSize])).rows.map((r) => r.tenant_id);
    if (tenants.length === 0) {
      await client.query('COMMIT');
      return { rows: 0, malformed: [] };
    }
    const rows = (await client.query<{ at: string; event: string }>(sql.selectRows, [tenants, plan.batchSize])).rows;
    const events: FerryEvent[] = [];
    const delivered: string[] = [];
    const malformed: Array<{ position: string; problem: string }> = [];
    for (const row of rows) {
      const decoded = decodeEvent(row.event);
      if (decoded.ok) {
        events.push(decoded.event);
        delivered.push(row.at);
      } else {
        malformed.push({ position: row.at, problem: `not a Ferry event: ${decoded.problem}` });
      }
    }
    if (events.length > 0) await deliver(events);
    if (delivered.length > 0) await client.query(sql.finish, [delivered]);
    if (malformed.length > 0) await client.query(sql.setAside, [malformed.map((m) => m.position), malformed.map((m) => m.problem)]);
    await client.query('COMMIT');
    return { rows: rows.length, malformed };
  } catch (error) {
    // A broken connection rolls back on the server's side; this only tidies a live one.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
