#!/usr/bin/env -S node --max-old-space-size=384
// The compiled code (built at install by `pnpm build`); TypeScript plugins named by path
// are loaded through tsx on demand.
await import('../dist/main.js');
