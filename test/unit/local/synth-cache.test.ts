import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedSynthTemplates } from '../../../lib/local/synth-cache';

// npm start reuses the last synthesized templates while no file the CDK app is built from changed.

const dir = await mkdtemp(join(tmpdir(), 'precis-synth-cache-'));
const cacheFile = join(dir, 'templates.json');
afterAll(() => rm(dir, { recursive: true, force: true }));

let synths = 0;
const synth = async () => {
  synths++;
  return {
    PrecisData: { Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: { n: synths } } } },
  };
};

describe('the synth cache of npm start', () => {
  it('synthesizes once, then serves the same templates while the app is unchanged', async () => {
    const first = await cachedSynthTemplates(synth, cacheFile);
    expect(first.cached).toBe(false);
    const second = await cachedSynthTemplates(synth, cacheFile);
    expect(second).toEqual({ templates: first.templates, cached: true });
    expect(synths).toBe(1);
  });

  it.each([
    ['a module infra/ imports', 'lib/config/env-names.ts'],
    ['an infra/ file', 'infra/config.ts'],
    ['cdk.json', 'cdk.json'],
  ])('synthesizes again after %s changed', async (_, file) => {
    const before = synths;
    const now = new Date();
    await utimes(join(process.cwd(), file), now, now);
    const after = await cachedSynthTemplates(synth, cacheFile);
    expect(after.cached).toBe(false);
    expect(synths).toBe(before + 1);
    expect((await cachedSynthTemplates(synth, cacheFile)).cached).toBe(true);
  });
});
