#!/usr/bin/env node
// Entry point for `npx arena`: the CLI is TypeScript run directly by Node >= 22.18 (type stripping).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`arena needs Node >= 22.18 (found ${process.version}); run it through npx or npm scripts, which use the pinned node from node_modules/.bin`);
  process.exit(1);
}
await import('../src/cli/main.ts');
