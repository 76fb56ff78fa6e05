import type { DebugConfig } from './config.js';

export interface Palette {
  readonly time: (text: string) => string;
  readonly type: (text: string) => string;
  readonly id: (text: string) => string;
  readonly key: (text: string) => string;
  readonly string: (text: string) => string;
  readonly number: (text: string) => string;
  readonly literal: (text: string) => string;
  readonly header: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const COLORS: Palette = {
  time: sgr(2, 22),
  type: sgr(36, 39),
  id: sgr(90, 39),
  key: sgr(34, 39),
  string: sgr(32, 39),
  number: sgr(33, 39),
  literal: sgr(35, 39),
  header: sgr(1, 22),
};

const same = (text: string) => text;
const PLAIN: Palette = { time: same, type: same, id: same, key: same, string: same, number: same, literal: same, header: same };

export interface Terminal {
  readonly isTTY?: boolean | undefined;
}

/** https://no-color.org: NO_COLOR set to anything but "" turns `auto` colours off. */
export function wantsColor(mode: DebugConfig['color'], stream: Terminal, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return stream.isTTY === true && !noColor && env.TERM !== 'dumb';
}

export function palette(color: boolean): Palette {
  return color ? COLORS : PLAIN;
}
