#!/usr/bin/env -S node --max-old-space-size=384 --max-semi-space-size=8 --heap-growing-percent=100
// The compiled code (built at install by `pnpm build`); TypeScript plugins named by path
// are loaded through tsx on demand.
await import('../dist/main.js');
