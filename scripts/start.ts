/**
 * `pnpm start`: runs Ferry on collector.config.json. With GRANTEX_API_KEY set it reads the
 * real Grantex stream; without, it first starts Ferry's Grantex-compatible generator on
 * 127.0.0.1 and points the config at it, so events flow on a machine with no account.
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
  const generator = await startGenerator({ apiKey, rate: Number(env.FERRY_DEMO_RATE ?? 200), seed: 1 });
  stopGenerator = () => generator.close();
  env.GRANTEX_URL = generator.url;
  env.GRANTEX_API_KEY = apiKey;
  process.stderr.write(`ferry demo: no GRANTEX_API_KEY set, so reading Ferry's event generator at ${generator.url} (${env.FERRY_DEMO_RATE ?? 200} events/s); archive in .ferry/archive\n`);
}

const ferry = spawn(join(ROOT, 'node_modules', '.bin', 'ferry'), ['run', '--config', join(ROOT, 'collector.config.json'), ...process.argv.slice(2)], { stdio: 'inherit', env });
// Ctrl-C reaches the whole process group, ferry included: do not send it a second time.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => ferry.kill('SIGTERM'));
ferry.on('exit', (code, signal) => {
  void (stopGenerator?.() ?? Promise.resolve()).then(() => process.exit(code ?? (signal ? 130 : 1)));
});
