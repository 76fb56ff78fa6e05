import type { VerifyReport } from './verify.js';

const n = (value: number) => value.toLocaleString('en-US');
const at = (p: { key: string; line: number }) => (p.line > 0 ? `${p.key}:${p.line}` : p.key);

/** The report in words, for a terminal or a log an auditor reads. */
export function renderReport(report: VerifyReport): string {
  const out: string[] = [];
  out.push(`${report.ok ? 'OK' : 'FAILED'}: ${report.source} — ${n(report.objects)} objects, ${n(report.records)} records`);
  if (report.writers.length === 0 && report.records > 0) out.push('  no integrity chain found: the archive was written without the integrity processor');
  if (report.unchained > 0 && report.writers.length > 0) out.push(`  ${n(report.unchained)} records carry no integrity link`);
  for (const w of report.writers) {
    out.push(`  writer ${w.writer}: ${n(w.verified)} records verified (seq ${n(w.firstSeq)}–${n(w.lastSeq)})${w.duplicates > 0 ? `, ${n(w.duplicates)} duplicates identical to their original (at-least-once delivery, not tampering)` : ''}`);
    for (const gap of w.gaps) {
      out.push(`    MISSING records ${n(gap.from)}–${n(gap.to)}: between ${gap.after ? at(gap.after) : 'the start of the chain'} and ${at(gap.before)} (deleted, or an object is missing)`);
    }
    if (w.broken) out.push(`    BROKEN at ${at(w.broken)}: ${w.broken.problem}`);
  }
  for (const d of report.damaged) out.push(`  DAMAGED ${at(d)}: ${d.problem}`);
  const days = Object.entries(report.perDay).sort(([a], [b]) => a.localeCompare(b));
  if (days.length > 0) {
    out.push('  records per day (createdAt):');
    for (const [day, count] of days) out.push(`    ${day}  ${n(count)}`);
  }
  return `${out.join('\n')}\n`;
}
