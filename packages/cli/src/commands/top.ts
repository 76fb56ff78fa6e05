import type { Figures } from '@ferry/host';
import { EXIT } from '../exit-codes.js';
import { describeAnswer, describeFailure, telemetryClient, type ServerOptions } from '../telemetry-client.js';
import { renderTop } from '../top-view.js';

export interface TopCommandOptions extends ServerOptions {
  readonly interval: string;
}

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';

/**
 * `ferry top`: the figures of a running Ferry in the terminal, redrawn in place every
 * `--interval` ms like `vector top`, until `q` or Ctrl-C. It keeps trying while the
 * collector is unreachable (restarting, say). Without a terminal it prints one screen.
 */
export async function top(options: TopCommandOptions): Promise<number> {
  const client = await telemetryClient(options);
  const intervalMs = Math.max(100, Number(options.interval) || 1000);
  const fetchFigures = async (): Promise<Figures | string> => {
    try {
      const response = await client.get('/api/figures');
      return response.ok ? ((await response.json()) as Figures) : await describeAnswer(response);
    } catch (error) {
      return describeFailure(client.base, error);
    }
  };

  if (!process.stdout.isTTY) {
    const first = await fetchFigures();
    if (typeof first === 'string') {
      process.stderr.write(`ferry: ${first}\n`);
      return EXIT.failure;
    }
    process.stdout.write(`${renderTop(first, undefined, client.base, Infinity).join('\n')}\n`);
    return EXIT.ok;
  }

  let before: Figures | undefined;
  let stopped = false;
  let drawing = false;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const draw = async () => {
    if (drawing) return;
    drawing = true;
    const now = await fetchFigures().finally(() => (drawing = false));
    if (stopped) return;
    const width = process.stdout.columns ?? 120;
    const lines = typeof now === 'string' ? [`⛴  ferry top: ${now}`, '', `trying again every ${intervalMs} ms (q to quit)`] : renderTop(now, before, client.base, width);
    if (typeof now !== 'string') before = now;
    process.stdout.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
  };
  process.stdout.write(ENTER_SCREEN);
  const restore = () => process.stdout.write(LEAVE_SCREEN);
  process.once('exit', restore);
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', (key: Buffer) => {
      const k = key.toString();
      if (k === 'q' || k === 'Q' || k === '\x03') done();
    });
  }
  process.once('SIGINT', () => done());
  process.once('SIGTERM', () => done());
  await draw();
  const timer = setInterval(() => void draw(), intervalMs);
  await finished;
  stopped = true;
  clearInterval(timer);
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdin.pause();
  restore();
  process.off('exit', restore);
  return EXIT.ok;
}
