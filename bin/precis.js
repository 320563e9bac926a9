#!/usr/bin/env node
// The `precis` CLI, run as compiled JavaScript (bin/cli-build.js compiles it at `npm ci` and again
// when a source file changed). `precis start` also registers tsx: the local runtime it starts loads
// the functions' TypeScript handlers, as `npm start` does.
import { compiledCli } from './cli-build.js';

const argv = process.argv.slice(2);
if (argv[0] === 'start') (await import('tsx/esm/api')).register();
const { entry } = await compiledCli();
const { main } = await import(entry);
process.exitCode = await main(argv);
