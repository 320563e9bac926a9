import { BUNDLE_BUDGET_BYTES, bundleSize, functionEntries } from '../infra/bundle-size';
import { synthTemplates } from '../infra/synth';

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

/**
 * `npm run bench -- bundles`: every function's minified bundle, built with the options `cdk synth`
 * uses (infra/bundle-size.ts), against the budget, with the largest contributors to each.
 */
export async function run(): Promise<void> {
  const entries = functionEntries(synthTemplates());
  const sizes = [];
  for (const entry of entries) sizes.push(await bundleSize(entry));
  sizes.sort((a, b) => b.bytes - a.bytes);
  console.log(`Lambda bundles (minified ESM, source map aside; budget ${kb(BUNDLE_BUDGET_BYTES)} each)`);
  for (const { entry, bytes, byOrigin } of sizes) {
    const role = entry.replace(/^functions\/|\/handler\.ts$/g, '');
    const top = [...byOrigin.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([origin, size]) => `${origin} ${kb(size)}`)
      .join(', ');
    const mark = bytes > BUNDLE_BUDGET_BYTES ? 'OVER' : 'ok  ';
    console.log(`  ${role.padEnd(22)} ${kb(bytes).padStart(9)}  ${mark}  ${top}`);
  }
  const over = sizes.filter((s) => s.bytes > BUNDLE_BUDGET_BYTES).length;
  console.log(`${sizes.length} functions, ${over} over the budget`);
}
