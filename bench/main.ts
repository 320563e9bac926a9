export {};

// `npm run bench -- <name> [args…]` runs bench/<name>.ts, whose `run(args)` prints its numbers.
const [name, ...args] = process.argv.slice(2);
const benches = [
  'signup',
  'signup-timing',
  'orders',
  'ltv',
  'refit',
  'campaigns',
  'planner-fanout',
  'send-rate',
  'demo',
  'bundles',
  'start',
];
if (!name || !benches.includes(name)) {
  console.error(`usage: npm run bench -- <${benches.join('|')}> [options]`);
  process.exit(2);
}
const mod = (await import(`./${name}`)) as { run: (args: string[]) => Promise<void> };
await mod.run(args);
