/**
 * What the telemetry server costs: Grantex SSE → batch → file with persistence, whole
 * processes, with the server off (`address: null`), on, and on with a scraper reading
 * `/metrics` every second (as Prometheus would). Rounds are interleaved so a noisy moment
 * of the machine hits all three alike. Target: on and scraped under 5% slower than off.
 */
import { freePort } from '../test/support/ports.js';
import { ferryRun, median, type WholeProcessRun } from './pipeline.js';
import { fmt } from './support.js';

/** Reads /metrics every second until stopped (refused connections while Ferry starts are ignored). */
function scraper(port: number, scrapes: { count: number; bytes: number }): () => () => void {
  return () => {
    const timer = setInterval(() => {
      fetch(`http://127.0.0.1:${port}/metrics`)
        .then(async (response) => {
          scrapes.bytes += (await response.text()).length;
          scrapes.count++;
        })
        .catch(() => undefined);
    }, 1000);
    return () => clearInterval(timer);
  };
}

export async function report(events = Number(process.env.BENCH_EVENTS ?? 400_000), runs = Number(process.env.BENCH_RUNS ?? 3)): Promise<string[]> {
  const off: WholeProcessRun[] = [];
  const on: WholeProcessRun[] = [];
  const scraped: WholeProcessRun[] = [];
  const scrapes = { count: 0, bytes: 0 };
  for (let i = 0; i < runs; i++) {
    off.push(await ferryRun(events, { persistent: true, telemetry: { address: null } }));
    on.push(await ferryRun(events, { persistent: true, telemetry: { address: `127.0.0.1:${await freePort()}` } }));
    const port = await freePort();
    scraped.push(await ferryRun(events, { persistent: true, telemetry: { address: `127.0.0.1:${port}` }, whileRunning: scraper(port, scrapes) }));
  }
  const base = median(off);
  // CPU seconds of the Ferry process: what the server adds, less blurred than wall time by other work on the machine.
  const cpu = (all: readonly WholeProcessRun[]) => [...all].map((r) => r.cpuSeconds).sort((a, b) => a - b)[Math.floor(all.length / 2)] ?? 0;
  const more = (value: number, than: number) => `${(((value - than) / than) * 100).toFixed(1)}%`;
  const row = (name: string, all: readonly WholeProcessRun[]) => {
    const m = median(all);
    const versus = all === off ? '— | —' : `${more(base.perSecond, m.perSecond)} | ${more(cpu(all), cpu(off))}`;
    return `| ${name} | ${fmt(m.perSecond)} (${fmt(Math.min(...all.map((r) => r.perSecond)))}–${fmt(Math.max(...all.map((r) => r.perSecond)))}) | ${fmt(m.afterStartPerSecond)} | ${cpu(all).toFixed(2)} s | ${versus} |`;
  };
  return [
    '',
    `## The telemetry server's cost: Grantex SSE → batch → file, persistence on, ${fmt(events)} events, median of ${runs} interleaved runs`,
    '',
    '| Telemetry | Events/s, whole process (range) | Events/s after start | CPU (median) | Slower than off | More CPU than off |',
    '| --- | --- | --- | --- | --- | --- |',
    row('off (`address: null`)', off),
    row('on', on),
    row('on, `/metrics` scraped every second', scraped),
    '',
    `Scrapes answered: ${scrapes.count} (${fmt(scrapes.count === 0 ? 0 : scrapes.bytes / scrapes.count)} bytes each). Target: under 5% slower than off.`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await report()) process.stdout.write(`${line}\n`);
