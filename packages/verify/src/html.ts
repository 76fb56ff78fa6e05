import { at } from './chain-check.js';
import type { VerificationRecord } from './certificate.js';
import type { Gap, WriterReport } from './report.js';

/**
 * The verification report as one self-contained HTML page for an auditor: the verdict at a
 * glance, then per writer the chain's status, its first break (object and line), gaps,
 * duplicates and epochs, the records per day as a chart, and where, when, by which Ferry
 * and with which key (by fingerprint) the check was made. No script, no font, no request:
 * it reads the same from a mail attachment in ten years. Elements carry `data-` attributes
 * with the figures, so a test (or a tool) reads them without parsing prose.
 */

const n = (value: number) => value.toLocaleString('en-US');

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:28px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px}h3{font-size:16px;margin:0 0 8px}
#verdict{border-radius:10px;padding:20px 24px;color:#fff}
#verdict[data-ok=true]{background:#1a7f37}#verdict[data-ok=false]{background:#cf222e}
#verdict p{margin:4px 0 0;font-size:16px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #d0d7de;vertical-align:top}
th{width:190px;color:#57606a;font-weight:600}
.writer{background:#fff;border:1px solid #d0d7de;border-left:6px solid #1a7f37;border-radius:8px;padding:14px 18px;margin:0 0 12px}
.writer[data-status=broken]{border-left-color:#cf222e}
.badge{display:inline-block;border-radius:12px;padding:1px 10px;font-size:13px;font-weight:600;color:#fff;background:#1a7f37}
.writer[data-status=broken] .badge{background:#cf222e}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
ul{margin:6px 0;padding-left:20px}.muted{color:#57606a}
svg{background:#fff;border:1px solid #d0d7de;border-radius:8px}
svg text{font:11px system-ui,sans-serif;fill:#57606a}
`;

function gapText(gap: Gap): string {
  const range = gap.from === gap.to ? `record ${n(gap.from)}` : `records ${n(gap.from)}–${n(gap.to)}`;
  const where = gap.after === undefined ? `before ${at(gap.before)} (the beginning of the chain)` : `between ${at(gap.after)} and ${at(gap.before)}`;
  return `${range} missing, ${where}`;
}

function list(items: readonly string[], empty: string): string {
  return items.length === 0 ? `<span class="muted">${escape(empty)}</span>` : `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;
}

function writerSection(w: WriterReport): string {
  const broken = w.problemCount > 0 || w.gaps.length > 0;
  const status = broken ? 'broken' : 'ok';
  const gap = w.gaps[0];
  const firstBreak =
    w.broken !== undefined
      ? `<code data-key>${escape(w.broken.key)}</code> line <span data-line>${w.broken.line}</span>: ${escape(w.broken.problem)}`
      : gap !== undefined
        ? `<code data-key>${escape(gap.before.key)}</code> line <span data-line>${gap.before.line}</span>: ${escape(gapText(gap))}`
        : '<span class="muted">none</span>';
  const more = w.problemCount > 1 ? ` <span class="muted">(${n(w.problemCount - 1)} more problems; the JSON report lists the first 100)</span>` : '';
  const epochs = w.epochs.map((e) => `a new chain begins at <code>${escape(at(e.start))}</code> after record ${n(e.after)} (restarted without storage: what it held then cannot be proven complete)`);
  return `<article class="writer" data-writer="${escape(w.writer)}" data-status="${status}">
<h3>Writer <code>${escape(w.writer)}</code> <span class="badge" data-field="status">${broken ? 'chain broken' : 'chain holds'}</span></h3>
<table>
<tr><th>Records verified</th><td data-field="verified">${n(w.verified)}${w.beforeArchive > 0 ? ` <span class="muted">(the first ${n(w.beforeArchive)} belong to a block that begins before the archive and could not be checked)</span>` : ''}</td></tr>
<tr><th>Sequence numbers</th><td>${n(w.firstSeq)}–${n(w.lastSeq)} (${escape(w.alg)})</td></tr>
<tr><th>First break</th><td data-field="first-break">${firstBreak}${more}</td></tr>
<tr><th>Gaps</th><td data-field="gaps" data-count="${w.gaps.length}">${list(w.gaps.map((g) => escape(gapText(g))), 'none')}</td></tr>
<tr><th>Duplicates</th><td data-field="duplicates" data-count="${w.duplicates}">${n(w.duplicates)}${w.duplicates > 0 ? ' identical to their original (at-least-once delivery, not tampering)' : ''}</td></tr>
<tr><th>Awaiting their seal</th><td data-field="unsealed" data-count="${w.unsealed.length}">${list(
    w.unsealed.map((u) => `records ${n(u.from)}–${n(u.to)} (<code>${escape(at(u.start))}</code> to <code>${escape(at(u.end))}</code>): the rest of their block is not in the archive — not yet written, or cut off; not counted as verified`),
    'none',
  )}</td></tr>
<tr><th>Epochs</th><td data-field="epochs" data-count="${w.epochs.length + 1}">${w.epochs.length === 0 ? 'one chain from start to end' : list(epochs, '')}</td></tr>
</table>
</article>`;
}

const CHART = { width: 920, height: 220, left: 56, bottom: 40, top: 16 };

/**
 * Every UTC day from the first to the last with records, with 0 for a day that has none:
 * an empty day in the middle is exactly what a completeness check looks for.
 */
export function calendar(perDay: Readonly<Record<string, number>>): Array<[string, number]> {
  const known = Object.keys(perDay).filter((day) => /^\d{4}-\d{2}-\d{2}$/.test(day)).sort();
  const first = known[0];
  const last = known[known.length - 1];
  const out: Array<[string, number]> = [];
  if (first !== undefined && last !== undefined) {
    const end = Date.parse(`${last}T00:00:00Z`);
    for (let t = Date.parse(`${first}T00:00:00Z`); t <= end && out.length <= 3660; t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      out.push([day, perDay[day] ?? 0]);
    }
  }
  // Records whose createdAt is not a date are counted apart, after the calendar.
  for (const [day, count] of Object.entries(perDay)) if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) out.push([day, count]);
  return out;
}

/** Records per day as bars; each bar names its day and count (and a title for hovering). */
function perDayChart(days: ReadonlyArray<[string, number]>): string {
  if (days.length === 0) return '<p class="muted">No records.</p>';
  const max = Math.max(...days.map(([, count]) => count));
  const plotWidth = CHART.width - CHART.left - 8;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const slot = plotWidth / days.length;
  const bar = Math.max(1, Math.min(48, slot * 0.8));
  const labelEvery = Math.ceil(days.length / 12);
  const bars = days.map(([day, count], i) => {
    const height = max === 0 ? 0 : (count / max) * plotHeight;
    const x = CHART.left + i * slot + (slot - bar) / 2;
    const y = CHART.top + plotHeight - height;
    const label = i % labelEvery === 0 ? `<text x="${(x + bar / 2).toFixed(1)}" y="${CHART.height - CHART.bottom + 16}" text-anchor="middle">${escape(day.slice(5))}</text>` : '';
    // A day without records gets a red mark on the axis, so the hole shows.
    const empty = count === 0 ? `<rect x="${x.toFixed(1)}" y="${CHART.top + plotHeight - 3}" width="${bar.toFixed(1)}" height="3" fill="#cf222e"/>` : '';
    return `<rect data-day="${escape(day)}" data-count="${count}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bar.toFixed(1)}" height="${height.toFixed(1)}" fill="#0969da"><title>${escape(day)}: ${n(count)} records</title></rect>${empty}${label}`;
  });
  const axis = `<line x1="${CHART.left}" y1="${CHART.top + plotHeight}" x2="${CHART.width - 8}" y2="${CHART.top + plotHeight}" stroke="#8c959f"/>
<text x="${CHART.left - 6}" y="${CHART.top + 4}" text-anchor="end">${n(max)}</text><text x="${CHART.left - 6}" y="${CHART.top + plotHeight}" text-anchor="end">0</text>`;
  return `<svg id="per-day-chart" role="img" aria-label="Records per day" viewBox="0 0 ${CHART.width} ${CHART.height}" width="100%">${axis}${bars.join('')}</svg>`;
}

/** The whole page. */
export function renderHtml(record: VerificationRecord): string {
  const writers = record.writers;
  const brokenWriters = writers.filter((w) => w.problemCount > 0 || w.gaps.length > 0).length;
  const headline = record.ok ? 'Archive verified: every chain holds' : 'Archive FAILED verification';
  const awaiting = writers.reduce((sum, w) => sum + w.unsealed.reduce((records, u) => records + u.to - u.from + 1, 0), 0);
  const summary = `${n(record.records)} records in ${n(record.objects)} objects; ${n(writers.length)} writer${writers.length === 1 ? '' : 's'}${brokenWriters > 0 ? `, ${n(brokenWriters)} with a broken chain` : ''}${record.damagedCount > 0 ? `; ${n(record.damagedCount)} damaged objects or lines` : ''}${record.unchained > 0 ? `; ${n(record.unchained)} records without a link` : ''}${awaiting > 0 ? `; ${n(awaiting)} records at the end await their block's seal (not yet written, or cut off) and are not counted as verified` : ''}.`;
  const findings = [
    ...(record.objects === 0 ? ['No archive object was found: check the path, or the bucket and prefix.'] : []),
    ...(writers.length === 0 && record.records > 0 ? ['No integrity chain was found: the archive was written without the integrity processor.'] : []),
    ...record.missingWriters.map((w) => `Expected writer <code>${escape(w)}</code> has no record in the archive.`),
    ...(record.unchained > 0 ? [`${n(record.unchained)} records carry no integrity link${record.unchainedAt[0] ? `, the first at <code>${escape(at(record.unchainedAt[0]))}</code>` : ''}.`] : []),
    ...record.damaged.slice(0, 20).map((d) => `Damaged: <code>${escape(at(d))}</code>: ${escape(d.problem)}`),
    ...(record.ignored > 0 ? [`${n(record.ignored)} other objects under the archive are not archive objects and were not read.`] : []),
  ];
  const days = calendar(record.perDay);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(`${record.ok ? 'Verified' : 'FAILED'}: ${record.source}`)}</title><style>${STYLE}</style></head>
<body><main>
<section id="verdict" data-ok="${record.ok}"><h1>${headline}</h1><p>${escape(summary)}</p></section>
<h2>The check</h2>
<table id="facts">
<tr><th>Archive</th><td><code data-fact="source">${escape(record.source)}</code></td></tr>
<tr><th>Checked at</th><td data-fact="checked-at">${escape(record.checkedAt)}</td></tr>
<tr><th>Checked by</th><td>Ferry <span data-fact="version">${escape(record.ferryVersion)}</span> (ferry verify)</td></tr>
<tr><th>Key fingerprint</th><td><code data-fact="key-fingerprint">${escape(record.keyFingerprint ?? 'no key given (SHA-256 chains need none)')}</code></td></tr>
</table>
<h2>Writers</h2>
${writers.length === 0 ? '<p class="muted">No chained records.</p>' : writers.map(writerSection).join('\n')}
${findings.length > 0 ? `<h2>Other findings</h2><ul id="findings">${findings.map((f) => `<li>${f}</li>`).join('')}</ul>` : ''}
<h2>Records per day</h2>
<p class="muted">UTC days of each record's <code>createdAt</code>, every day from the first to the last (a day with none is marked red)${record.unchained === 0 ? '; duplicates not counted' : '; duplicates of chained records not counted, records without a chain counted every time they appear'}. Compare them with the source's own counts. The archive's folders are the days Ferry received the events, which can differ near midnight.</p>
${perDayChart(days)}
<table id="per-day"><tr><th>Day</th><td><b>Records</b></td></tr>${days.map(([day, count]) => `<tr data-day="${escape(day)}"><th>${escape(day)}</th><td>${count === 0 ? '<b style="color:#cf222e">0: no records this day</b>' : n(count)}</td></tr>`).join('')}</table>
</main></body></html>
`;
}
