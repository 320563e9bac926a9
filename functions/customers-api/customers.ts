import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { emailSchema } from '../../lib/domain/signup';
import { parseOrThrow } from '../../lib/domain/validation';
import type { CustomerRepository } from '../../lib/ports/customer-repository';
import type { DeliveryLedger } from '../../lib/ports/delivery-ledger';
import type { OrderRepository } from '../../lib/ports/order-repository';
import type { SurveyRepository } from '../../lib/ports/survey-repository';
import { type EraseDeps, eraseCustomer } from '../../lib/use-cases/erase-customer';
import { exportCustomer } from '../../lib/use-cases/export-customer';
import { viewCustomer } from '../../lib/use-cases/view-customer';
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
}

const NOT_FOUND = json(404, { error: 'not_found' });
// No customer id is longer or stranger than this, so anything else finds nobody.
const CustomerIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.:#-]+$/);
const EmailQuerySchema = z.strictObject({
  email: z.string({ error: 'is required, e.g. ?email=ana@example.com' }).pipe(emailSchema),
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
    const { email } = parseOrThrow(EmailQuerySchema, event.queryStringParameters ?? {});
    const view = await viewCustomer(deps, { email });
    return view ? json(200, view) : NOT_FOUND;
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

/** `GET /customers?email=`, `GET /customers/{id}`, `GET /customers/{id}/export`, `DELETE /customers/{id}`. */
export const customersHandler = (deps: CustomersDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleCustomers(event, deps, logger));
