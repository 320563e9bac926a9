import { afterEach, beforeEach, vi } from 'vitest';
import { main } from '../../lib/cli/main';
import { TEST_ADMIN_KEY, type TestRuntime } from './runtime';

/**
 * Runs the `precis` CLI in this process against a test runtime (its ports and admin key in the
 * environment), capturing what it prints. The handlers run in this process too: their JSON log
 * lines on stdout are not the command's output and are left out.
 */
export async function runCli(
  runtime: TestRuntime,
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.stubEnv('PORT', new URL(runtime.url).port);
  vi.stubEnv('PRECIS_ADMIN_KEY', TEST_ADMIN_KEY);
  vi.stubEnv('SES_PORT', new URL(runtime.sesEndpoint).port);
  vi.stubEnv('LOCAL_AWS_PORT', new URL(runtime.localAwsEndpoint).port);
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    if (!/^\{"level":/.test(String(chunk))) out += String(chunk);
    return true;
  });
  const error = vi.spyOn(console, 'error').mockImplementation((line) => {
    err += `${String(line)}\n`;
  });
  try {
    return { code: await main(argv), out, err };
  } finally {
    write.mockRestore();
    error.mockRestore();
    vi.unstubAllEnvs();
  }
}

/**
 * For CLI unit tests against a stub server: before each test points PORT and PRECIS_ADMIN_KEY at it
 * and captures what the command prints; `io.stdout` / `io.stderr` hold the current test's output.
 */
export function captureCliOutput(env: () => { port: number; adminKey: string }): {
  stdout: string;
  stderr: string;
} {
  const io = { stdout: '', stderr: '' };
  beforeEach(() => {
    io.stdout = '';
    io.stderr = '';
    const { port, adminKey } = env();
    vi.stubEnv('PORT', String(port));
    vi.stubEnv('PRECIS_ADMIN_KEY', adminKey);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      io.stdout += String(chunk);
      return true;
    });
    vi.spyOn(console, 'error').mockImplementation((line) => {
      io.stderr += `${String(line)}\n`;
    });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  return io;
}
