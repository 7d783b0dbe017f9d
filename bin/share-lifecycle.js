#!/usr/bin/env node
// Entry point of the `share-lifecycle` CLI. The TypeScript is compiled to dist/ by the
// `prepare` script, which `npm ci` runs, so `npx share-lifecycle --help` works right after it.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('share-lifecycle is not built: run `npm run build` (npm ci does it for you).\n');
  process.exit(1);
}
require(entry).main(process.argv).then(
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (err) => {
    process.stderr.write(`share-lifecycle: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
