import { at } from './chain-check.js';
import type { VerifyReport, WriterReport } from './report.js';

const n = (value: number) => value.toLocaleString('en-US');
const PROBLEMS_SHOWN = 10;

function writerLines(w: WriterReport): string[] {
  const out: string[] = [];
  const duplicates = w.duplicates > 0 ? `, ${n(w.duplicates)} duplicates identical to their original (at-least-once delivery, not tampering)` : '';
  out.push(`  writer ${w.writer}: ${n(w.verified)} records verified (seq ${n(w.firstSeq)}–${n(w.lastSeq)}), ${w.alg}${duplicates}`);
  for (const run of w.unsealed) {
    out.push(
      `    AWAITING SEAL: records ${n(run.from)}–${n(run.to)} (${at(run.start)} to ${at(run.end)}): the rest of their block is not in the archive — not yet written (an export in flight: check again) or cut off; not counted as verified`,
    );
  }
  if (w.beforeArchive > 0) out.push(`    note: the first ${n(w.beforeArchive)} records belong to a block that begins before the archive, so they could not be checked`);
  for (const gap of w.gaps) {
    const range = gap.from === gap.to ? `record ${n(gap.from)}` : `records ${n(gap.from)}–${n(gap.to)}`;
    const where = gap.after === undefined ? `before ${at(gap.before)} (the beginning of the chain)` : `between ${at(gap.after)} and ${at(gap.before)}`;
    out.push(`    MISSING ${range}: ${where} — deleted, or an object is missing`);
  }
  for (const [i, problem] of w.problems.slice(0, PROBLEMS_SHOWN).entries()) {
    out.push(`    ${i === 0 ? 'BROKEN at' : 'also at'} ${at(problem)}: ${problem.problem}`);
  }
  if (w.problemCount > PROBLEMS_SHOWN) out.push(`    … and ${n(w.problemCount - PROBLEMS_SHOWN)} more problems (--json lists the first 100)`);
  for (const epoch of w.epochs) {
    out.push(`    NEW EPOCH at ${at(epoch.start)}: the chain starts over after record ${n(epoch.after)} (the collector restarted without storage; records it held then cannot be proven complete)`);
  }
  return out;
}

/** What the per-day counts include: only a chain tells a duplicate from a new record. */
function perDayCounting(report: VerifyReport): string {
  if (report.unchained === 0) return 'duplicates not counted';
  if (report.writers.length === 0) return 'without an integrity chain a duplicate cannot be told from a new record, so every copy is counted';
  return `duplicates of chained records not counted; the ${n(report.unchained)} records without a chain are counted every time they appear`;
}

/** The report in words, for a terminal or a log an auditor reads. */
export function renderReport(report: VerifyReport): string {
  const out: string[] = [];
  out.push(`${report.ok ? 'OK' : 'FAILED'}: ${report.source} — ${n(report.objects)} objects, ${n(report.records)} records`);
  if (report.objects === 0) out.push('  no archive object found: check the path or the bucket and prefix');
  else if (report.writers.length === 0 && report.records > 0) out.push('  no integrity chain found: the archive was written without the integrity processor');
  for (const w of report.writers) out.push(...writerLines(w));
  for (const writer of report.missingWriters) out.push(`  MISSING WRITER ${writer}: no record of this writer in the archive`);
  if (report.unchained > 0 && report.writers.length > 0) {
    const first = report.unchainedAt[0];
    out.push(`  UNCHAINED: ${n(report.unchained)} records carry no integrity link${first ? `, the first at ${at(first)}` : ''} (written without the integrity processor, or inserted)`);
  }
  for (const d of report.damaged.slice(0, PROBLEMS_SHOWN)) out.push(`  DAMAGED ${at(d)}: ${d.problem}`);
  if (report.damagedCount > PROBLEMS_SHOWN) out.push(`  … and ${n(report.damagedCount - PROBLEMS_SHOWN)} more damaged objects or lines`);
  if (report.reformatted > 0) out.push(`  note: ${n(report.reformatted)} records are not in the compact form Ferry writes (re-serialized since); their content was checked`);
  if (report.ignored > 0) out.push(`  note: ${n(report.ignored)} other objects under the source are not archive objects and were not read`);
  const days = Object.entries(report.perDay);
  if (days.length > 0) {
    out.push(`  records per day (UTC, by createdAt; ${perDayCounting(report)}):`);
    for (const [day, count] of days) out.push(`    ${day}  ${n(count)}`);
  }
  return `${out.join('\n')}\n`;
}
