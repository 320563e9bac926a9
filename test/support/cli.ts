import { vi } from 'vitest';
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
