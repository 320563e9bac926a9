/** An email as we hand it to the provider: rendered by us, with its headers and tags. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** Provider tags (no personal data): they come back on delivery, bounce and click events. */
  tags: Record<string, string>;
}

export interface OutgoingSms {
  /** E.164. */
  to: string;
  text: string;
  tags: Record<string, string>;
  /** A one-time code, not marketing: sent as SNS's Transactional type (higher delivery priority). */
  transactional?: boolean;
}

export interface EmailSender {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

export interface SmsSender {
  send(sms: OutgoingSms): Promise<{ messageId: string }>;
  /** Whether the number replied STOP (the carrier's opted-out list): never text it again. */
  isOptedOut(phone: string): Promise<boolean>;
}

/** The provider refused the message for good (bad address, rejected content): do not retry. */
export class ProviderRejectedError extends Error {
  override readonly name = 'ProviderRejectedError';
  readonly code = 'provider_rejected';
}

/** The provider did not take the message (throttled, quota): it is safe to try again later. */
export class ProviderThrottledError extends Error {
  override readonly name = 'ProviderThrottledError';
  readonly code = 'provider_throttled';
  readonly transient = true;
}
