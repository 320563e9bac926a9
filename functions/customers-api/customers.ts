import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { emailSchema } from '../../lib/domain/email-address';
import { phoneLookupSchema } from '../../lib/domain/phone-lookup';
import { parseOrThrow } from '../../lib/domain/validation';
import type { CustomerRepository } from '../../lib/ports/customer-repository';
import type { DeliveryLedger } from '../../lib/ports/delivery-ledger';
import type { DueCustomers } from '../../lib/ports/due-customers';
import type { OrderRepository } from '../../lib/ports/order-repository';
import type { SurveyRepository } from '../../lib/ports/survey-repository';
import { type EraseDeps, eraseCustomer } from '../../lib/use-cases/erase-customer';
import { exportCustomer } from '../../lib/use-cases/export-customer';
import {
  MAX_UPCOMING_DAYS,
  MAX_UPCOMING_PER_DAY,
  upcomingOccasions,
} from '../../lib/use-cases/upcoming-occasions';
import { viewCustomer } from '../../lib/use-cases/view-customer';
import * as z from '../../lib/zod';
import { HttpError, type HttpHandler, type HttpResult, httpHandler, json } from '../shared/http';

/**
 * The admin routes over one customer (IAM-authenticated): read the profile by id or email, export
 * everything held about the person, erase them. Not-found is `404 {"error":"not_found"}`.
 */

export interface CustomersDeps extends EraseDeps {
  customers: CustomerRepository;
  orders: OrderRepository;
  surveys: SurveyRepository;
  deliveries: Pick<DeliveryLedger, 'history'>;
  due: Pick<DueCustomers, 'byBirthday' | 'byNextOrder'>;
}

const NOT_FOUND = json(404, { error: 'not_found' });
// No customer id is longer or stranger than this, so anything else finds nobody.
const CustomerIdSchema = z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^[\w.:#-]+$/));
const EmailQuerySchema = z.strictObject({
  email: z.pipe(
    z.string({ error: 'is required, e.g. ?email=ana@example.com (or ?phone=%2B447700900123)' }),
    emailSchema,
  ),
});
const PhoneQuerySchema = z.strictObject({ phone: phoneLookupSchema });

const UpcomingQuerySchema = z.strictObject({
  days: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_UPCOMING_DAYS)), 7),
  /** The first local date (default: today in UTC); the dashboard sends the browser's date. */
  from: z.optional(z.iso.date()),
  perDay: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(MAX_UPCOMING_PER_DAY)), 10),
});

const customerIdOf = (event: APIGatewayProxyEventV2): string | undefined => {
  const parsed = CustomerIdSchema.safeParse(event.pathParameters?.id);
  return parsed.success ? parsed.data : undefined;
};

export async function handleCustomers(
  event: APIGatewayProxyEventV2,
  deps: CustomersDeps,
  logger: Logger,
): Promise<HttpResult> {
  if (event.routeKey === 'GET /customers') {
    const query = event.queryStringParameters ?? {};
    if ('phone' in query) {
      const { phone } = parseOrThrow(PhoneQuerySchema, query);
      const ids = await deps.customers.customerIdsByPhone(phone);
      // A number two customers gave is answered with both ids, for the caller to pick one.
      if (ids.length > 1) return json(409, { error: 'several_customers', customerIds: ids });
      const view = ids[0] !== undefined && (await viewCustomer(deps, { customerId: ids[0] }));
      return view ? json(200, view) : NOT_FOUND;
    }
    const { email } = parseOrThrow(EmailQuerySchema, query);
    const view = await viewCustomer(deps, { email });
    return view ? json(200, view) : NOT_FOUND;
  }
  if (event.routeKey === 'GET /customers/upcoming') {
    const query = parseOrThrow(UpcomingQuerySchema, event.queryStringParameters ?? {});
    const from = query.from ?? deps.clock.now().toISOString().slice(0, 10);
    return json(200, await upcomingOccasions(deps, { from, days: query.days, perDay: query.perDay }));
  }
  const customerId = customerIdOf(event);
  switch (event.routeKey) {
    case 'GET /customers/{id}': {
      const view = customerId && (await viewCustomer(deps, { customerId }));
      return view ? json(200, view) : NOT_FOUND;
    }
    case 'GET /customers/{id}/export': {
      const document = customerId && (await exportCustomer(deps, customerId));
      if (!document) return NOT_FOUND;
      logger.info('customer exported', {
        customerId,
        orders: document.orders.length,
        surveys: document.surveys.length,
      });
      return json(200, document, { 'content-disposition': `attachment; filename="${customerId}.json"` });
    }
    case 'DELETE /customers/{id}': {
      const outcome = customerId ? await eraseCustomer(deps, customerId) : 'not_found';
      logger.info('customer erasure handled', { customerId, outcome });
      return outcome === 'not_found' ? NOT_FOUND : { statusCode: 204, body: '' };
    }
    default:
      throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
  }
}

/** `GET /customers?email=` or `?phone=`, `GET /customers/upcoming?days=&from=&perDay=`, `GET /customers/{id}`, `GET /customers/{id}/export`, `DELETE /customers/{id}`. */
export const customersHandler = (deps: CustomersDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleCustomers(event, deps, logger));
