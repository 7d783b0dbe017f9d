#!/usr/bin/env node
// Entry point of the `share-lifecycle` CLI. The TypeScript is compiled to dist/ by the
// `prepare` script, which `npm ci` runs, so `npx share-lifecycle --help` works right after it.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
// The exit code is set, never process.exit(): output still queued for a pipe must not be cut off.
if (!fs.existsSync(entry)) {
  process.stderr.write('share-lifecycle is not built: run `npm run build` (npm ci does it for you).\n');
  process.exitCode = 1;
} else {
  require(entry).runAsProcess(process.argv);
}
