import * as z from '../zod';
import { emailSchema } from './email-address';
import { toMinorUnits } from './money';
import { pastInstantSchema } from './validation';

/**
 * An order as a shop sends it (`POST /orders` or the `OrderPlaced` event), validated and normalised.
 * Money: each order keeps its own amount and currency; metrics use one reporting currency per
 * deployment, converting other currencies with the operator's configured rates (an order in a
 * currency with no configured rate is refused rather than counted wrongly).
 */

export const MAX_LINE_ITEMS = 1000;
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const ID = /^[\w.:#/-]+$/;
const MAX_AMOUNT = 10_000_000;

const text = (max: number) =>
  z
    .string({ error: 'must be text' })
    .check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
    );

const amount = z.number({ error: 'must be a number' }).check(
  z.gte(0, 'must not be negative'),
  z.lte(MAX_AMOUNT, `must be at most ${MAX_AMOUNT}`),
  z.refine((value) => Math.abs(toMinorUnits(value) / 100 - value) < 1e-9, 'must have at most 2 decimals'),
);

export interface OrderRules {
  /** Now, as an ISO instant: orders may not be dated more than a day ahead (clock skew). */
  now: string;
  reportingCurrency: string;
  /** Units of the reporting currency per unit of another currency. */
  exchangeRates: Record<string, number>;
}

const LineItemSchema = z.strictObject({
  sku: text(100),
  category: z.pipe(
    text(100),
    z.transform((category) => category.toLowerCase()),
  ),
  quantity: z
    .int({ error: 'must be a whole number' })
    .check(z.gte(1, 'must be at least 1'), z.lte(100_000, 'is too large')),
  unitPrice: amount,
});

export function orderSchema(rules: OrderRules) {
  const latest = Date.parse(rules.now) + 86_400_000;
  return z.pipe(
    z.strictObject({
      orderId: text(100).check(z.regex(ID, 'may hold letters, digits and . : # / _ - only')),
      customer: z
        .strictObject({
          customerId: z.optional(text(100)),
          email: z.optional(emailSchema),
        })
        .check(
          z.refine((c) => (c.customerId === undefined) !== (c.email === undefined), {
            message: 'give exactly one of customerId or email',
          }),
        ),
      orderedAt: pastInstantSchema(latest),
      totalAmount: amount,
      currency: z.string({ error: 'must be text' }).check(
        z.toUpperCase(),
        z.refine((code) => ISO_CURRENCIES.has(code), 'must be an ISO 4217 currency code such as EUR'),
        z.refine(
          (code) => code === rules.reportingCurrency || rules.exchangeRates[code] !== undefined,
          `has no exchange rate to the reporting currency (${rules.reportingCurrency}) configured`,
        ),
      ),
      lineItems: z
        .array(LineItemSchema, { error: 'must be a list of line items' })
        .check(
          z.minLength(1, 'must hold at least one line item'),
          z.maxLength(MAX_LINE_ITEMS, `must hold at most ${MAX_LINE_ITEMS} line items`),
        ),
    }),
    z.transform(
      (input): Order => ({
        orderId: input.orderId,
        customer: input.customer as Order['customer'],
        orderedAt: new Date(input.orderedAt).toISOString(),
        totalAmount: input.totalAmount,
        currency: input.currency,
        reportingAmount: toReporting(input.totalAmount, input.currency, rules),
        lineItems: input.lineItems,
      }),
    ),
  );
}

export interface Order {
  orderId: string;
  customer: { customerId: string } | { email: string };
  /** Normalised to UTC. */
  orderedAt: string;
  totalAmount: number;
  currency: string;
  /** The total in the reporting currency, what the metrics and lifetime value count. */
  reportingAmount: number;
  lineItems: { sku: string; category: string; quantity: number; unitPrice: number }[];
}

function toReporting(total: number, currency: string, rules: OrderRules): number {
  const rate = currency === rules.reportingCurrency ? 1 : (rules.exchangeRates[currency] ?? Number.NaN);
  return toMinorUnits(total * rate) / 100;
}

/**
 * The order's content in a canonical form: the same order sent twice has the same fingerprint,
 * an order id reused for a different order does not (→ 409, the first one stands).
 */
export function orderFingerprint(order: Order): string {
  const { orderId, customer, orderedAt, totalAmount, currency, lineItems } = order;
  return JSON.stringify([
    orderId,
    customer,
    orderedAt,
    totalAmount,
    currency,
    lineItems.map((l) => [l.sku, l.category, l.quantity, l.unitPrice]),
  ]);
}
