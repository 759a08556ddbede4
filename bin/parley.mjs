#!/usr/bin/env node
// Parley's command line. Kept to syntax any Node.js parses, so an old one can say what is wrong:
// Parley runs its TypeScript as it is, which needs Node.js 24.
const version = process.versions.node;
if (Number(version.split('.')[0]) < 24) {
  console.error(`Parley needs Node.js 24 or newer; this is v${version}. Run it with \`npm run parley -- …\` or install Node 24.`);
  process.exit(1);
}
import('../src/cli/main.ts');
