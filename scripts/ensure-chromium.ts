/**
 * Before the test suite: the two browser tests (the status page, `ferry verify`'s report)
 * drive Debian's chromium at /usr/bin/chromium. When it is missing and this runs as root
 * with apt, it is installed, as `.ci/run` did, so the README's test command works on a
 * fresh machine too. Otherwise it says why those two tests will fail, and the suite runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

if (!existsSync(CHROMIUM)) {
  const root = process.getuid?.() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (root && apt) {
    process.stderr.write(`installing Debian's chromium for the browser tests (${CHROMIUM} is missing)\n`);
    if (!(run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', 'chromium']) && existsSync(CHROMIUM))) {
      process.stderr.write(`chromium could not be installed: the status page's and the verification report's browser tests will fail\n`);
    }
  } else {
    process.stderr.write(`${CHROMIUM} is missing and cannot be installed here (${root ? 'no apt-get' : 'not root'}): install Debian's chromium, or the two browser tests fail\n`);
  }
}
