#!/usr/bin/env node
// Writes (or with --check, checks) the option table in a built plugin package's README.
import { main } from '../dist/docs/readme-cli.js';

process.exitCode = await main(process.argv.slice(2));
