import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLING, ENTRY_METADATA, REPO_ROOT } from './constructs/precis-function';
import type { CfnTemplate } from './synth';

/** Each function's minified bundle (source map aside) must stay within this many bytes. */
export const BUNDLE_BUDGET_BYTES = 150_000;

export interface BundleSize {
  /** The handler module, e.g. `functions/signup-api/handler.ts`. */
  entry: string;
  /** Bytes of the minified `index.mjs` Lambda runs, without its source map. */
  bytes: number;
  /** Bytes in the bundle by package (`zod`, `liquidjs`, …) or by our own top folder (`lib/domain`). */
  byOrigin: Map<string, number>;
}

/** Every deployed function's handler module, from the templates' `precis:entry` metadata. */
export function functionEntries(templates: Record<string, CfnTemplate>): string[] {
  const entries = new Set<string>();
  for (const template of Object.values(templates)) {
    for (const resource of Object.values(template.Resources ?? {})) {
      const entry = (resource as { Metadata?: Record<string, unknown> }).Metadata?.[ENTRY_METADATA];
      if (typeof entry === 'string') entries.add(entry);
    }
  }
  return [...entries].sort();
}

/**
 * Bundles one handler as `cdk synth` does (esbuild with the PrecisFunction BUNDLING options, the
 * flags NodejsFunction passes), in memory, and measures what Lambda would load.
 */
export async function bundleSize(entry: string): Promise<BundleSize> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, entry)],
    outfile: join(REPO_ROOT, 'cdk.out/bundle-size/index.mjs'),
    bundle: true,
    write: false,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    external: BUNDLING.externalModules,
    banner: { js: BUNDLING.banner },
    mainFields: BUNDLING.mainFields,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
  if (!code || !output) throw new Error(`esbuild wrote no index.mjs for ${entry}`);
  const byOrigin = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const origin =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytesInOutput);
  }
  return { entry, bytes: code.contents.byteLength, byOrigin };
}
