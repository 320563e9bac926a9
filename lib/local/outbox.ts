import * as z from '../zod';
import type { SmsMessage } from './sms-sink';

// The local outbox (`?limit=N&to=address&to=…`): what the SES v2 emulator (its JSON store) and the SMS sink received, newest
// first, for the dashboard's outbox panel (`GET /local/outbox` on the local runtime only). Emails
// carry their rendered HTML, which the dashboard shows in a sandboxed iframe (no scripts, no
// same-origin), never in its own document.

export const MAX_OUTBOX_ENTRIES = 100;

export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  text: string;
  /** The rendered HTML of an email; null for a text message. */
  html: string | null;
  campaign: string | null;
  occasion: string | null;
  sentAt: string;
}

const SesStoreSchema = z.object({
  emails: z.array(
    z.object({
      destination: z.object({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.object({ text: z.optional(z.string()), html: z.optional(z.string()) }),
      headers: z.optional(z.array(z.object({ name: z.string(), value: z.string() }))),
      at: z.number(),
    }),
  ),
});

const header = (headers: { name: string; value: string }[] | undefined, name: string) =>
  headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? null;

/** The newest `limit` messages of the SES emulator at `sesEndpoint` and of the SMS sink's list. */
export async function readOutbox(
  sesEndpoint: string,
  texts: readonly SmsMessage[],
  limit: number,
  /** Only messages to these addresses or numbers (all when empty). */
  to: readonly string[] = [],
): Promise<OutboxMessage[]> {
  const response = await fetch(`${sesEndpoint}/store`, { signal: AbortSignal.timeout(10_000) });
  const store = SesStoreSchema.parse(await response.json());
  const entries: OutboxMessage[] = [
    ...store.emails.map((email) => ({
      channel: 'email' as const,
      to: email.destination.to.join(', '),
      subject: email.subject,
      text: email.body.text ?? '',
      html: email.body.html ?? null,
      campaign: header(email.headers, 'X-Precis-Campaign'),
      occasion: header(email.headers, 'X-Precis-Occasion'),
      sentAt: new Date(email.at * 1000).toISOString(),
    })),
    ...texts.map((sms) => ({
      channel: 'sms' as const,
      to: sms.phoneNumber,
      subject: null,
      text: sms.message,
      html: null,
      campaign: sms.context.campaign ?? null,
      occasion: sms.context.occasion ?? null,
      sentAt: sms.at,
    })),
  ];
  // Newest first; the SES emulator keeps whole seconds and appends, so later entries win ties.
  return entries
    .filter((entry) => to.length === 0 || entry.to.split(', ').some((address) => to.includes(address)))
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => b.entry.sentAt.localeCompare(a.entry.sentAt) || b.i - a.i)
    .slice(0, limit)
    .map(({ entry }) => entry);
}
