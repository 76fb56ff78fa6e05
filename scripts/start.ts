/**
 * `pnpm start`: runs Ferry on collector.config.json. With GRANTEX_API_KEY set it reads the
 * real Grantex stream; without, it first starts Ferry's Grantex-compatible generator on
 * 127.0.0.1 and points the config at it, so events flow on a machine with no account.
 *
 * The package.json script runs this file with `exec`, so no shell stands between pnpm and
 * it: a shell dies at once on Ctrl-C, and pnpm then reports "Command failed" (exit 130)
 * while Ferry is still draining.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startGenerator } from '@ferry/generator';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env };
let stopGenerator: (() => Promise<void>) | undefined;

if (!env.GRANTEX_API_KEY) {
  const apiKey = 'ferry-demo-key';
  const rate = Number(env.FERRY_DEMO_RATE ?? 200);
  // No seed: every run makes new events (new ids), as a live source would, so restarts add to
  // the archive instead of archiving the same ids again.
  const generator = await startGenerator({ apiKey, rate });
  stopGenerator = () => generator.close();
  env.GRANTEX_URL = generator.url;
  env.GRANTEX_API_KEY = apiKey;
  process.stderr.write(`ferry demo: no GRANTEX_API_KEY set, so reading Ferry's event generator at ${generator.url} (${rate} events/s)\n`);
}

const ferry = spawn(join(ROOT, 'node_modules', '.bin', 'ferry'), ['run', '--config', join(ROOT, 'collector.config.json'), ...process.argv.slice(2)], { stdio: 'inherit', env });
// Ctrl-C (SIGINT) and a closed terminal (SIGHUP) reach the whole process group, ferry
// included: do not send them a second time, and stay to stop the generator once it is done.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => ferry.kill('SIGTERM'));
ferry.on('exit', (code, signal) => {
  void (stopGenerator?.() ?? Promise.resolve()).then(() => process.exit(code ?? (signal ? 130 : 1)));
});
