import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './runtime';

// The dashboard (dashboard/, Vite + uPlot) is built into a static directory that the local runtime
// serves under `/`. web/ is build output and git-ignored: `npm start` builds it when it is missing
// or older than any source file, `npm run build:dashboard` builds it on demand, and the browser test
// builds its own copy into a temporary directory.

export const DASHBOARD_DIR = join(REPO_ROOT, 'dashboard');

const newestMtime = (dir: string): number => {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
};

/** True when there are dashboard sources and `outDir` lacks a build at least as new as them. */
export function dashboardIsStale(outDir: string): boolean {
  if (!existsSync(DASHBOARD_DIR)) return false;
  const index = join(outDir, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newestMtime(DASHBOARD_DIR);
}

/** Builds the dashboard into `outDir` (emptied first) with Vite; quiet unless something is wrong. */
export async function buildDashboard(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: join(DASHBOARD_DIR, 'vite.config.ts'),
    root: DASHBOARD_DIR,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}
