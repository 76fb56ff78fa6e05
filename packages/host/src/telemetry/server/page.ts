import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

/** The page's files, beside `src/` and `dist/` alike (`packages/host/status-page/`): plain HTML and JavaScript, no build step. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

const loaded = new Map<string, Buffer>();

/** The package's `status-page/`, found upwards from this code (in `src/telemetry/server/`, or bundled into a chunk of `dist/`). */
function pageDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4 && !existsSync(join(dir, 'status-page')); up++) dir = dirname(dir);
  return join(dir, 'status-page');
}

/** Serves the status page's static files; false for any other path. */
export function servePage(pathname: string, response: ServerResponse): boolean {
  const entry = FILES[pathname];
  if (entry === undefined) return false;
  let body = loaded.get(entry.file);
  if (body === undefined) {
    body = readFileSync(join(pageDirectory(), entry.file));
    loaded.set(entry.file, body);
  }
  response.writeHead(200, {
    'content-type': entry.type,
    'cache-control': 'no-store',
    // Everything the page needs comes from this server: no CDN, no inline script.
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
  return true;
}
