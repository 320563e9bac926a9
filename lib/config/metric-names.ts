// Custom metric names (CloudWatch namespace `Precis`, dimension `service` = the function's role),
// defined once: the functions emit them (functions/shared/metrics.ts), the operations dashboard
// (infra/constructs/operations.ts) graphs them. Dimensions carry ids of kinds, never a person.
export const METRIC = {
  /** Every accepted signup (bots caught by the honeypot excluded). */
  signups: 'Signups',
  /** Signups that created a customer / that came from someone already known. */
  newSignups: 'NewSignups',
  repeatSignups: 'RepeatSignups',
  /** Orders stored (a duplicate of a stored order is not counted again). */
  ordersIngested: 'OrdersIngested',
  ordersCancelled: 'OrdersCancelled',
  /** Messages handed to SES / End User Messaging SMS, dimension `channel` (email, sms). */
  messagesSent: 'MessagesSent',
  /** Messages not sent, dimension `reason` (unsubscribed, quiet_hours, suppressed, …). */
  messagesSkipped: 'MessagesSkipped',
  /** Messages that failed at the provider for good. */
  messagesFailed: 'MessagesFailed',
  /**
   * Messages whose fate is unknown: the provider was called and the ledger not updated (an
   * unclassified provider error, or an attempt that stopped in between). Alarms; sent again only
   * once the quiet period passes with no provider event (domain/campaigns/delivery.ts).
   */
  messagesUnknown: 'MessagesUnknown',
  /** Rows left `unknown` that went past their quiet period with no provider event and were sent again. */
  messagesRetried: 'MessagesRetried',
  /** Rows left `unknown` that a provider event (SES `Send`, delivery…) showed were taken: now sent. */
  messagesResolved: 'MessagesResolved',
  bounces: 'Bounces',
  complaints: 'Complaints',
  /** A channel of a person suppressed by a hard bounce or a complaint. */
  suppressions: 'Suppressions',
} as const;

/** The Lambda roles (POWERTOOLS_SERVICE_NAME) that emit each metric. */
export const METRIC_SERVICES = {
  signups: ['signup-api'],
  orders: ['orders-api', 'order-events'],
  sender: ['message-sender'],
  feedback: ['ses-feedback'],
} as const;
