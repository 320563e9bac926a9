import { afterAll, describe, expect, it, vi } from 'vitest';

// The tracer reads its environment when built: switch it on as Lambda would, then import it.
vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'orders-api');
vi.stubEnv('_HANDLER', 'index.handler');
const { tracer, traceInvocation } = await import('../../../lib/adapters/aws/tracer');
const { Segment, getNamespace } = await import('aws-xray-sdk-core');
afterAll(() => {
  vi.unstubAllEnvs();
});

type Traced = {
  name: string;
  annotations?: Record<string, unknown>;
  fault?: boolean;
  cause?: unknown;
  end_time?: number;
};

/** Runs invocations under a Lambda-like facade segment and returns the subsegments they left. */
function underFacade(work: () => Promise<void>): Promise<Traced[]> {
  const facade = new Segment('orders-api');
  return new Promise((resolve, reject) => {
    getNamespace().run(() => {
      tracer.setSegment(facade);
      work().then(() => resolve((facade.subsegments ?? []) as unknown as Traced[]), reject);
    });
  });
}

describe('tracing an invocation (in Lambda)', () => {
  it('records each invocation as a closed "## handler" subsegment, the first one as the cold start', async () => {
    const [first, second] = await underFacade(async () => {
      expect(await traceInvocation(async () => 'accepted')).toBe('accepted');
      await traceInvocation(async () => 'accepted');
    });
    expect(first?.name).toBe('## index.handler');
    expect(first?.annotations).toMatchObject({ ColdStart: true, Service: 'orders-api' });
    expect(second?.annotations).toMatchObject({ ColdStart: false });
    expect(first?.end_time).toBeGreaterThan(0);
  });

  it('flags a failed invocation as a fault without recording its message (it may quote a person)', async () => {
    const [failed] = await underFacade(async () => {
      await expect(
        traceInvocation(async () => {
          throw new Error('no customer ana@example.com');
        }),
      ).rejects.toThrow('ana@example.com');
    });
    expect(failed?.fault).toBe(true);
    expect(JSON.stringify(failed)).not.toContain('ana@example.com');
  });
});
