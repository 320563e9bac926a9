import * as z from '../zod';
import { type Customer, EMAIL_CONSENT, SMS_CONSENT } from './customer';
import { contactOf } from './profile-view';
import { SegmentsSchema } from './scoring';

// A segment member as the members list and the CSV export show them (GET /segments/{segment}/members
// and /export, `precis segments members|export`, the dashboard): built from an allow-list of the
// profile, as profile-view.ts is.

/** One member as the list and the export show them: who, how to reach them, their segments, value. */
export const MemberRowSchema = z.object({
  customerId: z.string(),
  firstName: z.optional(z.string()),
  lastName: z.optional(z.string()),
  email: z.optional(z.string()),
  phone: z.optional(z.string()),
  timeZone: z.string(),
  locale: z.string(),
  consent: z.object({ email: z.enum(EMAIL_CONSENT), sms: z.enum(SMS_CONSENT) }),
  /** Absent before the profile was first scored. */
  segments: z.optional(SegmentsSchema),
  orderCount: z.int(),
  totalSpend: z.number(),
  lastOrderAt: z.nullable(z.string()),
  /** Predicted 12-month lifetime value; null before a fitted model or without an order. */
  clv12m: z.nullable(z.number()),
});
export type MemberRow = z.infer<typeof MemberRowSchema>;

export function memberRow(customer: Customer): MemberRow {
  return {
    ...contactOf(customer),
    timeZone: customer.timeZone,
    locale: customer.locale,
    consent: { email: customer.consent.email.status, sms: customer.consent.sms.status },
    ...(customer.segments !== undefined && { segments: customer.segments }),
    orderCount: customer.metrics?.orderCount ?? 0,
    totalSpend: customer.metrics?.totalSpend ?? 0,
    lastOrderAt: customer.metrics?.lastOrderAt ?? null,
    clv12m: customer.ltv?.clv12m ?? null,
  };
}

// ---- CSV -------------------------------------------------------------------------------------

/** The export's columns, in order: who, how to reach them and whether they may be, segments, value. */
export const MEMBER_CSV_COLUMNS = [
  'customer_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'time_zone',
  'locale',
  'email_consent',
  'sms_consent',
  'rfm',
  'value_tier',
  'lifecycle',
  'matrix',
  'rule_segments',
  'orders',
  'total_spend',
  'last_order_at',
  'clv_12m',
] as const;

/**
 * A cell as a spreadsheet should read it: quoted when it holds a comma, quote or line break; text a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) prefixed with
 * `'` (OWASP's CSV injection advice), except a phone number, which is a checked E.164 `+` and digits.
 */
export function csvCell(
  value: string | number | null | undefined,
  options: { phone?: boolean } = {},
): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && !(options.phone && /^\+\d+$/.test(text)) && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The rows as CSV lines (CRLF, RFC 4180), with the header line first when asked. */
export function membersCsv(rows: readonly MemberRow[], options: { header: boolean }): string {
  const lines = rows.map((row) =>
    [
      csvCell(row.customerId),
      csvCell(row.firstName),
      csvCell(row.lastName),
      csvCell(row.email),
      csvCell(row.phone, { phone: true }),
      csvCell(row.timeZone),
      csvCell(row.locale),
      csvCell(row.consent.email),
      csvCell(row.consent.sms),
      csvCell(row.segments?.rfm?.name),
      csvCell(row.segments?.valueTier),
      csvCell(row.segments?.lifecycle),
      csvCell(row.segments?.matrix?.strategy),
      csvCell(row.segments?.rules.join(' ')),
      csvCell(row.orderCount),
      csvCell(row.totalSpend),
      csvCell(row.lastOrderAt),
      csvCell(row.clv12m),
    ].join(','),
  );
  return [...(options.header ? [MEMBER_CSV_COLUMNS.join(',')] : []), ...lines]
    .map((line) => `${line}\r\n`)
    .join('');
}
