/**
 * Model-based: chains of envelope version 3 written by the real integrity processor from
 * receiver calls of random sizes (crossing the 100-record block limit), cut into objects at
 * random places (so blocks span objects), with random runs re-delivered (at-least-once
 * duplicates). The reference model is what the archive must be: every record verified,
 * each duplicate counted once. Then one random act of tampering — a changed byte, a deleted
 * or inserted record, a swapped pair, an archive cut inside a block, a changed copy, a seal
 * made a member — must never be vouched for: the check fails, or (for what is cut or
 * unsealed at the archive's end) leaves records waiting for their seal, unverified.
 * Replay a failure with FERRY_VERIFY_SEED=<seed>.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { eventLine, withText, type FerryEvent } from '@ferry/sdk';
import { verifyArchive } from './index.js';
import { archiveWriter, chain, events } from './testing/archive.js';

const SEED = Number(process.env.FERRY_VERIFY_SEED ?? Date.now() % 2 ** 31);
const SECRET = 'model-chain-secret-0123';
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

interface Written {
  /** Every record's line, in chain order. */
  readonly lines: string[];
  /** Where the objects begin (indexes into lines), the first at 0. */
  readonly cuts: number[];
}

/** Records linked as the host links receiver calls of these sizes. */
function linkCalls(sizes: readonly number[]): string[] {
  const writer = chain('w1', SECRET);
  const lines: string[] = [];
  let next = 0;
  for (const size of sizes) {
    const linked = writer.process!(events(size, next)) as FerryEvent[];
    writer.snapshot!();
    next += size;
    for (const record of linked) lines.push(eventLine(record));
  }
  return lines;
}

/** Writes the lines as objects cut at `cuts`, plus the re-delivered runs after them; verifies. */
async function verifyLines(lines: readonly string[], cuts: readonly number[], redelivered: readonly string[][]) {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-verify-model-'));
  dirs.push(dir);
  const archive = archiveWriter(dir);
  const objects = cuts.map((start, i) => lines.slice(start, cuts[i + 1] ?? lines.length)).filter((o) => o.length > 0);
  // Each record carries its line as its text, so the objects hold exactly these bytes.
  await archive.write([...objects, ...redelivered].map((o) => o.map((line) => withText(JSON.parse(line) as FerryEvent, line))));
  return verifyArchive(dir, { secret: SECRET });
}

const written = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 230 }), { minLength: 1, maxLength: 6 }),
    cutFractions: fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
  })
  .map(({ sizes, cutFractions }): Written => {
    const lines = linkCalls(sizes);
    const cuts = [0, ...new Set(cutFractions.map((f) => Math.floor(f * lines.length)).filter((c) => c > 0))].sort((a, b) => a - b);
    return { lines, cuts };
  });

const isSeal = (line: string) => line.endsWith('"}}') && line.includes(',"hash":"');

describe(`verifyArchive against a model of version-3 archives (fast-check seed ${SEED})`, () => {
  it('verifies every record of an intact archive once, whatever the calls, the object cuts and the re-delivered runs', async () => {
    await fc.assert(
      fc.asyncProperty(written, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 150 })), { maxLength: 3 }), async ({ lines, cuts }, runs) => {
        const redelivered = runs.map(([at, length]) => {
          const start = Math.floor(at * lines.length);
          return lines.slice(start, start + length);
        });
        const report = await verifyLines(lines, cuts, redelivered);
        const copies = redelivered.reduce((sum, run) => sum + run.length, 0);
        expect(report.ok).toBe(true);
        expect(report.records).toBe(lines.length + copies);
        expect(report.writers[0]).toMatchObject({ verified: lines.length, duplicates: copies, lastSeq: lines.length, problemCount: 0, gaps: [], unsealed: [] });
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('never vouches for an archive after any one act of tampering: it fails, or leaves records unverified', async () => {
    const tampering = fc.oneof(
      fc.record({ kind: fc.constant('change' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('changed copy' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
      fc.record({ kind: fc.constant('unseal' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    );
    await fc.assert(
      fc.asyncProperty(written, tampering, async ({ lines, cuts }, act) => {
        const tampered = [...lines];
        const i = Math.min(lines.length - 1, Math.floor(act.at * lines.length));
        const change = (line: string) => line.replace('"principalId":"user-', '"principalId":"usex-');
        const extra: string[][] = [];
        switch (act.kind) {
          case 'change':
            tampered[i] = change(lines[i] as string);
            break;
          case 'delete':
            // Deleting the archive's last block whole is a cut at a block's end: no chain can see it (the head is not stored anywhere it can be read).
            fc.pre(!(i === lines.length - 1 && (i === 0 || isSeal(lines[i - 1] as string))));
            tampered.splice(i, 1);
            break;
          case 'swap':
            fc.pre(i < lines.length - 1);
            [tampered[i], tampered[i + 1]] = [lines[i + 1] as string, lines[i] as string];
            break;
          case 'cut':
            // The archive ends inside a block: its last record left is not a seal.
            fc.pre(i > 0 && !isSeal(lines[i - 1] as string));
            tampered.splice(i);
            break;
          case 'changed copy':
            extra.push([change(lines[i] as string)]);
            break;
          case 'unseal':
            // A seal made into a member: its chain fields taken out.
            fc.pre(isSeal(lines[i] as string));
            tampered[i] = (lines[i] as string).replace(/,"alg":.*\}\}$/, '}}');
            break;
        }
        const report = await verifyLines(tampered, cuts.filter((c) => c < tampered.length), extra);
        // Vouched for: passes, with every record read verified (or an identical duplicate) and none waiting for a seal.
        const w = report.writers[0];
        const vouched = report.ok && w !== undefined && w.verified + w.duplicates === report.records && w.unsealed.length === 0;
        expect(vouched, `${act.kind} at line ${i} of ${lines.length}`).toBe(false);
        // A changed or misplaced record always fails. (What is cut or unsealed at the end waits
        // for its seal; a changed copy of record 1 reads as a new epoch whose block is unsealed.)
        if (act.kind === 'change' || act.kind === 'swap') expect(report.ok, `${act.kind} at line ${i}`).toBe(false);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });
});
