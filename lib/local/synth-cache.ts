import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './runtime';
import type { CfnTemplate } from './template';

// `npm start` synthesizes the CDK app in-process (aws-cdk-lib and all of infra/: seconds of a
// start-up). The templates only change when a file the app is built from changes, so they are kept
// with the modification time of each such file (every repository module infra/synth.ts imports,
// cdk.json, precis.config.json, package-lock.json) and reused while all of them are unchanged.

export const DEFAULT_SYNTH_CACHE = join(REPO_ROOT, 'node_modules/.cache/precis-synth/templates.json');

/** Files outside the import graph that change what the app synthesizes. */
const EXTRA_INPUTS = ['cdk.json', 'precis.config.json', 'package-lock.json'];

interface CacheFile {
  /** Repository-relative path → modification time in ms, or null when the file did not exist. */
  inputs: Record<string, number | null>;
  templates: Record<string, CfnTemplate>;
}

const mtimeOf = async (path: string): Promise<number | null> => {
  try {
    return (await stat(join(REPO_ROOT, path))).mtimeMs;
  } catch {
    return null;
  }
};

const fingerprint = async (paths: readonly string[]): Promise<Record<string, number | null>> =>
  Object.fromEntries(await Promise.all(paths.map(async (path) => [path, await mtimeOf(path)] as const)));

const unchanged = async (inputs: Record<string, number | null>): Promise<boolean> => {
  const now = await fingerprint(Object.keys(inputs));
  return Object.entries(inputs).every(([path, mtime]) => now[path] === mtime);
};

/** The repository files the CDK app is built from (esbuild's view of infra/synth.ts, packages aside). */
async function appInputs(): Promise<string[]> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, 'infra/synth.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  return [...Object.keys(result.metafile.inputs), ...EXTRA_INPUTS];
}

/**
 * The templates `synthTemplates()` gives, from the cache when no input changed since it was written,
 * else synthesized (by `synth`) and cached. `cached` says which.
 */
export async function cachedSynthTemplates(
  synth: () => Promise<Record<string, CfnTemplate>>,
  cacheFile = DEFAULT_SYNTH_CACHE,
): Promise<{ templates: Record<string, CfnTemplate>; cached: boolean }> {
  try {
    const saved = JSON.parse(await readFile(cacheFile, 'utf8')) as CacheFile;
    if (saved.inputs && saved.templates && (await unchanged(saved.inputs))) {
      return { templates: saved.templates, cached: true };
    }
  } catch {
    // No cache yet, or an unreadable one: synthesize.
  }
  // Fingerprint before synthesizing, so an edit made meanwhile makes the next start synthesize again.
  const inputs = await fingerprint(await appInputs());
  const templates = await synth();
  await mkdir(dirname(cacheFile), { recursive: true });
  const temporary = `${cacheFile}.${process.pid}`;
  await writeFile(temporary, JSON.stringify({ inputs, templates } satisfies CacheFile));
  await rename(temporary, cacheFile);
  return { templates, cached: false };
}
