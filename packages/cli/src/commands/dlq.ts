import { createLogger, loadConfig, readStoredBooks, receiverDeadLetterFiles, replayDeadLetters, summarizeDeadLetters, Terminal, unreadableFiles, type StoredBooks } from '@ferry/host';
import { EXIT } from '../exit-codes.js';
import { formatCount } from '../format.js';
import { reportFailure } from '../output.js';
import { pluginSearchPath } from '../plugins.js';
import { useSchemaCache } from '../schema-cache.js';

/** Replay sends through the exporters, so it needs their settings and the storage; nothing of the receivers. */
const usedByReplay = (path: string) => path.startsWith('exporters.') || path.startsWith('storage.');

async function storageOf(config: string): Promise<{ directory: string } | number> {
  try {
    // Listing only reads the storage directory: no receiver's or exporter's secret is needed.
    useSchemaCache();
    const loaded = await loadConfig({ file: config, discoverFrom: pluginSearchPath(), envRequiredAt: () => false });
    if (loaded.config.storage === undefined) {
      process.stderr.write('ferry: this config has no "storage": dead letters are only logged, not kept\n');
      return EXIT.invalidConfig;
    }
    return loaded.config.storage;
  } catch (error) {
    return reportFailure(error);
  }
}

/** `accepted = delivered + dead-lettered + lost + queued`, since the exporter was added, with where any damage was. */
function booksLines(b: StoredBooks): string[] {
  const where = `exporter "${b.exporter}" in pipeline "${b.pipeline}"`;
  if (b.unreadable) return [`${where}: its saved position is unreadable; ${formatCount(b.queued)} events kept in the log will be sent to it again`];
  const lines = [
    `${where}: ${formatCount(b.accepted)} accepted = ${formatCount(b.delivered)} delivered + ${formatCount(b.deadLettered)} dead-lettered + ${formatCount(b.lost)} lost to damage + ${formatCount(b.queued)} queued`,
  ];
  for (const loss of b.losses) {
    lines.push(`  lost to damage: events ${loss.from}–${loss.to - 1} (${formatCount(loss.to - loss.from)}), found ${loss.at} at ${loss.stretches.map((s) => `${s.segment} offset ${s.offset} (${s.bytes} bytes)`).join(', ')}`);
  }
  return lines;
}

/** `ferry dlq list`: each exporter's books, then per exporter how many events were dead-lettered, why and since when. */
export async function dlqList(options: { config: string; json?: boolean }): Promise<number> {
  const storage = await storageOf(options.config);
  if (typeof storage === 'number') return storage;
  const [books, summaries, unreadable, receivers] = await Promise.all([readStoredBooks(storage.directory), summarizeDeadLetters(storage.directory), unreadableFiles(storage.directory), receiverDeadLetterFiles(storage.directory)]);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ books, deadLetters: summaries, unreadable, receivers }, null, 2)}\n`);
    return EXIT.ok;
  }
  // A receiver's dead letters are inputs that never were events: kept for a person, never replayed.
  for (const r of receivers) process.stdout.write(`receiver "${r.receiver}": ${formatCount(r.inputs)} ${r.inputs === 1 ? 'input that is not an event' : 'inputs that are not events'} kept in ${r.path} (raw bytes in base64, with the reason; not replayable)\n`);
  for (const b of books) process.stdout.write(`${booksLines(b).join('\n')}\n`);
  for (const u of unreadable) process.stdout.write(`exporter "${u.exporter}": ${formatCount(u.lines)} dead letters that could not be read are kept in ${u.path} (not replayable: inspect them by hand)\n`);
  if (summaries.length === 0) {
    process.stdout.write('no dead letters\n');
    return EXIT.ok;
  }
  for (const s of summaries) {
    process.stdout.write(`exporter "${s.exporter}": ${s.events} event${s.events === 1 ? '' : 's'} dead-lettered (${s.oldest} … ${s.newest})${s.replaying ? ' [left by an interrupted replay]' : ''}\n`);
    for (const r of s.reasons) process.stdout.write(`  ${String(r.events).padStart(8)}  ${r.reason}\n`);
    if (s.unreadable > 0) process.stdout.write(`  ${String(s.unreadable).padStart(8)}  lines that cannot be read (a replay keeps them aside)\n`);
  }
  return EXIT.ok;
}

/** `ferry dlq replay`: sends dead letters again (the collector must be stopped). */
export async function dlqReplay(options: { config: string; exporter?: string; timeout: string }): Promise<number> {
  try {
    useSchemaCache();
    const loaded = await loadConfig({ file: options.config, discoverFrom: pluginSearchPath(), envRequiredAt: usedByReplay });
    const logger = createLogger({ level: 'info', format: 'auto', terminal: new Terminal(), secrets: loaded.secrets });
    const results = await replayDeadLetters({ loaded, ...(options.exporter ? { exporter: options.exporter } : {}), logger, timeoutMs: Number(options.timeout) * 1000 });
    if (results.length === 0) process.stdout.write('no dead letters to replay\n');
    for (const r of results) {
      process.stdout.write(`exporter "${r.exporter}": ${r.replayed} delivered, ${r.deadLetteredAgain} dead-lettered again, ${r.putBack} put back (not taken before the timeout)${r.unreadable > 0 ? `, ${r.unreadable} unreadable kept aside` : ''}\n`);
    }
    return results.some((r) => r.putBack > 0 || r.deadLetteredAgain > 0) ? EXIT.failure : EXIT.ok;
  } catch (error) {
    return reportFailure(error);
  }
}
