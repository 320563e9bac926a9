// The `precis` CLI as compiled JavaScript: lib/cli/main.ts and everything it imports from the
// repository, bundled by esbuild (npm packages stay external, each command module its own chunk so
// a call loads only the command it runs). Built by `npm ci` (the `prepare` script) and again on
// first use after any of its source files changed, so `npx precis` never compiles TypeScript on the
// way to a command. Plain JavaScript: it runs before anything is compiled.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules/.cache/precis-cli');
const MANIFEST = 'current.json';
const THIS_FILE = relative(ROOT, fileURLToPath(import.meta.url));

/**
 * The path of the compiled CLI's entry module, building it first when it is missing or older than
 * any of its inputs. `built` says whether this call compiled it.
 * @param {{ cacheDir?: string }} [options]
 * @returns {Promise<{ entry: string; built: boolean }>}
 */
export async function compiledCli({ cacheDir = DEFAULT_CACHE_DIR } = {}) {
  const current = await readManifest(cacheDir);
  if (current && (await fresh(current)))
    return { entry: join(cacheDir, current.dir, 'main.js'), built: false };
  const manifest = await buildCli(cacheDir);
  return { entry: join(cacheDir, manifest.dir, 'main.js'), built: true };
}

/** @param {string} cacheDir */
async function readManifest(cacheDir) {
  try {
    return /** @type {{ dir: string; builtAt: number; inputs: string[] }} */ (
      JSON.parse(await readFile(join(cacheDir, MANIFEST), 'utf8'))
    );
  } catch {
    return undefined; // never built (or a half-written manifest): build
  }
}

/** Fresh when every input still exists and none changed since the build began. */
async function fresh(/** @type {{ builtAt: number; inputs: string[] }} */ manifest) {
  try {
    const times = await Promise.all(
      manifest.inputs.map(async (input) => (await stat(join(ROOT, input))).mtimeMs),
    );
    return times.every((mtime) => mtime <= manifest.builtAt);
  } catch {
    return false; // an input is gone: build
  }
}

/** Builds older than this are removed (a process started from one may still load chunks from it). */
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

/**
 * Bundles into a new folder and then points the manifest at it (a rename, so a concurrent call sees
 * the old build or the new one, never half of one).
 * @param {string} cacheDir
 */
async function buildCli(cacheDir) {
  const { build } = await import('esbuild');
  const builtAt = Date.now();
  const dir = `build-${builtAt}-${process.pid}`;
  const outdir = join(cacheDir, dir);
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: join(ROOT, 'lib/cli/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        // The local runtime (`precis start`) stays TypeScript: it loads the functions' TypeScript
        // handlers and finds the repository from its own location. bin/precis.js registers tsx for it.
        name: 'local-runtime-from-source',
        setup(esbuild) {
          esbuild.onResolve({ filter: /\/local\/main$/ }, (args) => ({
            path: pathToFileURL(`${join(args.resolveDir, args.path)}.ts`).href,
            external: true,
          }));
        },
      },
    ],
  });
  const inputs = [...Object.keys(result.metafile.inputs), THIS_FILE, 'package.json'];
  const manifest = { dir, builtAt, inputs };
  const temp = join(cacheDir, `${MANIFEST}.${process.pid}`);
  await writeFile(temp, JSON.stringify(manifest));
  await rename(temp, join(cacheDir, MANIFEST));
  const old = (await readdir(cacheDir)).filter(
    (name) => name.startsWith('build-') && Number(name.split('-')[1]) < builtAt - KEEP_OLD_BUILDS_MS,
  );
  await Promise.all(old.map((name) => rm(join(cacheDir, name), { recursive: true, force: true })));
  return manifest;
}

// `node bin/cli-build.js` (the `prepare` script): build now.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { entry, built } = await compiledCli();
  console.log(`precis CLI ${built ? 'compiled' : 'up to date'}: ${relative(ROOT, dirname(entry))}`);
}
