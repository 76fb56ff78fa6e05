import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { currentOptionsSection, pluginOptionsSection } from '@ferry/sdk/docs';
import definition from './index.js';

it('the README lists every option as the schema declares it (`npm run build` rewrites the table)', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(currentOptionsSection(readme)).toBe(pluginOptionsSection(definition).trim());
});
