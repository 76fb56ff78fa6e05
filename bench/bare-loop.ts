/**
 * The bare loop Ferry is compared with, as a program of its own: read the Grantex SSE
 * stream, parse each event, append it to a file — no guarantees, no batching, no retries.
 * `pnpm bench` compiles it with esbuild and runs it with plain `node`, as Ferry's binary
 * runs compiled JavaScript, and times it the same way: from the process spawn to its last
 * event written (the file's ctime).
 *
 *   node bare-loop.mjs <stream url> <api key> <events> <output file>
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { sseData } from './bare-stream.js';

// It never waits for the file to drain: pausing the read while the generator keeps writing
// made undici queue the socket's chunks and drain them one array shift at a time (quadratic:
// 400,000 events took minutes). Best case, no bound on memory, as a bare loop would be.

const [url, apiKey, total, output] = process.argv.slice(2);
if (url === undefined || apiKey === undefined || total === undefined || output === undefined) {
  process.stderr.write('usage: bare-loop <stream url> <api key> <events> <output file>\n');
  process.exit(2);
}
const wanted = Number(total);
const out = createWriteStream(output);
let seen = 0;
for await (const data of sseData(url, apiKey)) {
  for (const text of data) {
    const event = JSON.parse(text) as { id: string };
    out.write(`${JSON.stringify(event)}\n`);
    seen++;
  }
  if (seen >= wanted) break;
}
out.end();
await once(out, 'finish');
const cpu = process.cpuUsage();
process.stderr.write(`wrote ${seen}, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s\n`);
// The generator keeps the stream open: leave without waiting for it.
process.exit(seen >= wanted ? 0 : 1);
