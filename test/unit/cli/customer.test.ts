import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { customersHandler } from '../../../functions/customers-api/customers';
import { main } from '../../../lib/cli/main';
import { newCustomer } from '../../../lib/domain/customer';
import { computeProfileMetrics } from '../../../lib/domain/profile-metrics';
import { signupSchema } from '../../../lib/domain/signup';
import { InMemoryCustomerRepository } from '../../fakes/in-memory-customer-repository';
import { InMemoryDueCustomers } from '../../fakes/in-memory-due-customers';
import { InMemoryOrderRepository } from '../../fakes/in-memory-order-repository';
import { InMemorySurveyRepository } from '../../fakes/in-memory-survey-repository';
import { captureCliOutput } from '../../support/cli';
import { httpEvent, lambdaContext } from '../functions/fixtures';

const KEY = 'cli-test-key';
const NOW = new Date('2026-11-24T10:00:00Z');
const customers = new InMemoryCustomerRepository();
const handler = customersHandler(
  {
    customers,
    orders: new InMemoryOrderRepository(),
    surveys: new InMemorySurveyRepository(),
    deliveries: {
      history: async (customerId: string) =>
        customerId === 'cus_1'
          ? [
              {
                customerId,
                deliveryKey: 'birthday#2026',
                campaignId: 'birthday',
                occasion: '2026',
                channel: 'email' as const,
                status: 'sent' as const,
                plannedAt: '2026-05-17T08:00:00.000Z',
                claimedAt: '2026-05-17T08:00:01.000Z',
                updatedAt: '2026-05-17T08:00:02.000Z',
                sentAt: '2026-05-17T08:00:02.000Z',
              },
            ]
          : [],
    },
    due: new InMemoryDueCustomers(),
    clock: { now: () => NOW },
  },
  new Logger({ logLevel: 'SILENT' }),
);

/** A stand-in for the local runtime's API: the x-api-key check, then the real customers handler. */
let server: Server;
let port: number;
let answer503 = false;
beforeAll(async () => {
  const signup = signupSchema({ timeZone: 'Europe/London', locale: 'en-GB', today: '2026-11-24' }).parse({
    firstName: 'Ana',
    lastName: 'Silva',
    email: 'ana@example.com',
    phone: '+44 7911 123456',
    interests: ['cat food', 'toys'],
    consent: { email: true, sms: false },
    source: 'footer-form',
  });
  await customers.create(newCustomer(signup, 'cus_1', NOW.toISOString()), {
    kind: 'email',
    value: 'ana@example.com',
  });
  await customers.saveDerived('cus_1', {
    metrics: computeProfileMetrics([
      { orderId: 'o1', orderedAt: '2026-10-01T10:00:00Z', amount: 30, lineItems: [] },
      { orderId: 'o2', orderedAt: '2026-11-20T10:00:00Z', amount: 54.9, lineItems: [] },
    ]),
  });
  await customers.saveSatisfaction('cus_1', {
    latest: 2,
    mean: 3.5,
    count: 2,
    lastAnsweredAt: '2026-11-22T09:00:00.000Z',
  });

  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (answer503) return res.writeHead(503).end('{"message":"Service Unavailable"}');
    if (req.headers['x-api-key'] !== KEY) return res.writeHead(401).end('{"error":"unauthorized"}');
    const parts = url.pathname.split('/').filter(Boolean);
    const routeKey = parts.length === 1 ? 'GET /customers' : 'GET /customers/{id}';
    const event: APIGatewayProxyEventV2 = {
      ...httpEvent(routeKey, undefined, {}),
      ...(parts[1] !== undefined && { pathParameters: { id: decodeURIComponent(parts[1]) } }),
      ...(url.searchParams.size > 0 && { queryStringParameters: Object.fromEntries(url.searchParams) }),
    };
    const result = await handler(event, lambdaContext);
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const io = captureCliOutput(() => ({ port, adminKey: KEY }));
beforeEach(() => {
  answer503 = false;
});

describe('precis customer <id|email>', () => {
  it('prints a readable profile by id', async () => {
    expect(await main(['customer', 'cus_1'])).toBe(0);
    expect(io.stdout).toMatch(/^customer\s+cus_1$/m);
    expect(io.stdout).toMatch(/^name\s+Ana Silva$/m);
    expect(io.stdout).toMatch(/^email\s+ana@example\.com$/m);
    expect(io.stdout).toMatch(/^phone\s+\+447911123456$/m);
    expect(io.stdout).toMatch(/^interests\s+cat food, toys$/m);
    expect(io.stdout).toMatch(/^email consent\s+pending \(footer-form, 2026-11-24\)$/m);
    expect(io.stdout).toMatch(/^orders\s+2 · total spend 84\.90 · average 42\.45$/m);
    expect(io.stdout).toMatch(/^satisfaction\s+3\.5 mean of 2 answers · latest 2 \(2026-11-22\)$/m);
    expect(io.stdout).toMatch(/^messages\s+1, newest first\n\s+2026-05-17 {2}birthday 2026 · email · sent$/m);
    expect(io.stdout).not.toMatch(/version|birthdayKey/);
    expect(io.stderr).toBe('');
  });

  it('finds the same customer by email and prints JSON with --json', async () => {
    expect(await main(['customer', 'ANA@example.com', '--json'])).toBe(0);
    const view = JSON.parse(io.stdout);
    expect(view).toMatchObject({
      customerId: 'cus_1',
      email: 'ana@example.com',
      metrics: { orderCount: 2, totalSpend: 84.9, satisfaction: { mean: 3.5 } },
      messages: [{ campaignId: 'birthday', occasion: '2026', channel: 'email', status: 'sent' }],
    });
    expect(view).not.toHaveProperty('version');
  });

  it('finds the same customer by phone, typed as people type it', async () => {
    expect(await main(['customer', '+44 7911 123456', '--json'])).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({ customerId: 'cus_1', phone: '+447911123456' });
  });

  it.each([
    ['an unknown phone', ['customer', '+447700900123'], /^precis: no customer \+447700900123\n$/],
    [
      'a phone that is not international',
      ['customer', '+44 79'],
      /^precis: invalid phone: phone: must be a phone number in international format/,
    ],
    ['an unknown id', ['customer', 'cus_nobody'], /^precis: no customer cus_nobody\n$/],
    ['an unknown email', ['customer', 'bo@example.com'], /^precis: no customer bo@example\.com\n$/],
    [
      'an invalid email',
      ['customer', 'ana@'],
      /^precis: invalid email: email: must have a domain after the @/,
    ],
  ])('fails with one line and a non-zero exit for %s', async (_label, argv, message) => {
    expect(await main(argv)).not.toBe(0);
    expect(io.stderr).toMatch(message);
    expect(io.stderr.trim().split('\n')).toHaveLength(1);
    expect(io.stdout).toBe('');
  });

  it('fails with one line when the admin key is wrong (401)', async () => {
    vi.stubEnv('PRECIS_ADMIN_KEY', 'wrong');
    expect(await main(['customer', 'cus_1'])).not.toBe(0);
    expect(io.stderr).toBe('precis: the API refused the admin key (401): check PRECIS_ADMIN_KEY\n');
  });

  it('fails before calling anything when the admin key is missing', async () => {
    vi.stubEnv('PRECIS_ADMIN_KEY', '');
    expect(await main(['customer', 'cus_1'])).not.toBe(0);
    expect(io.stderr).toMatch(/^precis: PRECIS_ADMIN_KEY is not set/);
  });

  it('fails with one line when the API is not running', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    vi.stubEnv('PORT', String(freePort));
    expect(await main(['customer', 'cus_1'])).not.toBe(0);
    expect(io.stderr).toBe(
      `precis: the local API is not running at http://127.0.0.1:${freePort} (start it with npm start)\n`,
    );
  });

  it('says so when the runtime is still starting (503)', async () => {
    answer503 = true;
    expect(await main(['customer', 'cus_1'])).not.toBe(0);
    expect(io.stderr).toMatch(/still starting \(503\)/);
  });

  it('refuses a PORT that is not a port', async () => {
    vi.stubEnv('PORT', 'abc');
    expect(await main(['customer', 'cus_1'])).not.toBe(0);
    expect(io.stderr).toBe('precis: PORT must be a port number, got "abc"\n');
  });
});
