import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../lib/cli/main';
import {
  firstBuyer,
  generatePopulation,
  localMonthDay,
  populationAnchor,
} from '../../../lib/demo/population';
import { orderSchema } from '../../../lib/domain/order';
import { signupSchema } from '../../../lib/domain/signup';
import { surveySchema } from '../../../lib/domain/survey';

const NOW = new Date('2026-11-24T10:00:00Z');

describe('demo population', () => {
  const population = generatePopulation({ customers: 500, seed: 42, now: NOW });

  it('is the same for the same seed and differs for another', () => {
    expect(generatePopulation({ customers: 500, seed: 42, now: NOW })).toEqual(population);
    expect(generatePopulation({ customers: 500, seed: 43, now: NOW }).customers[0]).not.toEqual(
      population.customers[0],
    );
  });

  it('is what the real API accepts: every signup, order and survey passes its schema', () => {
    const now = NOW.toISOString();
    const signups = signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: now.slice(0, 10) });
    const orders = orderSchema({ now, reportingCurrency: 'GBP', exchangeRates: {} });
    const surveys = surveySchema({ now });
    for (const c of population.customers) {
      expect(signups.safeParse(c.signup).error).toBeUndefined();
      for (const o of c.orders) expect(orders.safeParse(o).error).toBeUndefined();
      for (const s of c.surveys) expect(surveys.safeParse(s).error).toBeUndefined();
    }
  });

  it('looks like a shop: prospects, one-time and repeat buyers, unique emails, birthdays today in several zones', () => {
    const counts = population.customers.map((c) => c.orders.length);
    expect(counts.filter((n) => n === 0).length).toBeGreaterThan(30);
    expect(counts.filter((n) => n === 1).length).toBeGreaterThan(100);
    expect(counts.filter((n) => n >= 3).length).toBeGreaterThan(50);
    expect(new Set(population.customers.map((c) => c.signup.email)).size).toBe(500);
    const today = population.customers.filter((c) => {
      const local = localMonthDay(NOW, c.signup.timeZone);
      return (
        c.signup.birthday.slice(5) ===
        `${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`
      );
    });
    expect(today.length).toBe(population.birthdaysToday);
    expect(new Set(today.map((c) => c.signup.timeZone)).size).toBeGreaterThanOrEqual(3);
    expect(population.birthdaysThisWeek).toBeGreaterThan(population.birthdaysToday);
    expect(population.surveys).toBeGreaterThan(0);
  });
});

describe('seeding again later', () => {
  const shape = { customers: 200, seed: 3 };
  const seededAt = new Date('2026-05-17T08:12:34.567Z');
  const stored = generatePopulation({ ...shape, now: seededAt });
  const firstOrderAt = firstBuyer({ ...shape, now: seededAt })!.orders[0]!.orderedAt;

  it.each([
    ['an hour later', '2026-05-17T09:12:34.567Z'],
    ['the next day', '2026-05-18T07:00:00.000Z'],
    ['a month later', '2026-06-20T23:59:59.999Z'],
  ])('%s finds the instant the stored population was made, so it regenerates the same one', (_, later) => {
    const anchor = populationAnchor(shape, firstOrderAt, new Date(later));
    expect(anchor.toISOString()).toBe(seededAt.toISOString());
    expect(generatePopulation({ ...shape, now: anchor })).toEqual(stored);
  });

  it('a population made as of a later instant is not the stored one (what a re-run used to send)', () => {
    const later = generatePopulation({ ...shape, now: new Date('2026-05-18T07:00:00.000Z') });
    const id = stored.customers.find((c) => c.orders.length > 0)!.orders[0]!.orderId;
    const order = (p: typeof stored) => p.customers.flatMap((c) => c.orders).find((o) => o.orderId === id);
    expect(order(later)?.orderedAt).not.toBe(order(stored)?.orderedAt);
  });
});

describe('precis seed and precis start', () => {
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    const errWrite = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    const error = vi.spyOn(console, 'error').mockImplementation((line) => {
      err += `${String(line)}\n`;
    });
    try {
      return { code: await main(argv), out, err };
    } finally {
      write.mockRestore();
      errWrite.mockRestore();
      error.mockRestore();
    }
  };

  it('describe themselves in --help', async () => {
    const seed = await run('seed', '--help');
    expect(seed.code).toBe(0);
    expect(seed.out).toContain('load a realistic synthetic population');
    expect(seed.out).toContain('--customers <n>');
    const start = await run('start', '--help');
    expect(start.out).toContain('run the whole pipeline locally');
    expect(start.out).toContain('--demo');
  });

  it('refuse bad input in one line with a non-zero exit', async () => {
    vi.stubEnv('PRECIS_ADMIN_KEY', 'k');
    expect(await run('seed')).toMatchObject({
      code: 1,
      err: 'precis: say what to seed: precis seed --demo\n',
    });
    expect(await run('seed', '--demo', '--customers', 'many')).toMatchObject({
      code: 1,
      err: 'precis: --customers must be a whole number from 1 to 1000000, got "many"\n',
    });
    expect(await run('start', '--customers', '0')).toMatchObject({
      code: 1,
      err: 'precis: --customers must be a whole number ≥ 1, got "0"\n',
    });
    vi.unstubAllEnvs();
  });
});
