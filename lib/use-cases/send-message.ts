import type { Campaign, CampaignSettings } from '../domain/campaigns/campaign';
import { deliveryKey, type SendRequest } from '../domain/campaigns/delivery';
import { channelCheck, type SkipReason } from '../domain/campaigns/eligibility';
import { renderMessage, templateContext } from '../domain/campaigns/message';
import type { Clock } from '../ports/clock';
import type { CustomerRepository } from '../ports/customer-repository';
import type { DeliveryLedger } from '../ports/delivery-ledger';
import type { LinkSigner } from '../ports/link-signer';
import {
  type EmailSender,
  ProviderRejectedError,
  ProviderThrottledError,
  type SmsSender,
} from '../ports/message-senders';

// Sends one queued message, at most once:
//   profile read (the second and last per occasion) → still consented? else `skipped`
//   → render → ledger queued → unknown (conditional: exactly one sender proceeds; a redelivered or
//   requeued message finds the row moved on and does nothing) → provider → `sent` + message id.
// The provider throttling us: the row goes back to `queued` and the message is retried by the
// queue. The provider refusing it: `failed`. Anything else after `unknown` (a timeout, a crash):
// the row stays `unknown`, which is reported, never retried — a second birthday email is worse
// than a missing one.

export interface SenderDeps {
  customers: Pick<CustomerRepository, 'get'>;
  ledger: DeliveryLedger;
  email: EmailSender;
  sms: SmsSender;
  links: LinkSigner;
  clock: Clock;
  campaigns: readonly Campaign[];
  settings: CampaignSettings;
}

export type SendOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'skipped'; reason: SkipReason | 'unknown_campaign' }
  /** The row was not `queued`: already sent, being sent, held out or skipped. */
  | { status: 'duplicate' }
  | { status: 'failed'; reason: string }
  /** The provider may or may not have taken it: left `unknown`, not retried. */
  | { status: 'unknown'; errorName: string };

const UNSUBSCRIBE_LINK_DAYS = 365;

export async function sendMessage(deps: SenderDeps, request: SendRequest): Promise<SendOutcome> {
  const key = {
    customerId: request.customerId,
    deliveryKey: deliveryKey(request.campaignId, request.occasion),
  };
  const campaign = deps.campaigns.find((c) => c.id === request.campaignId);
  if (!campaign) {
    return (await deps.ledger.transition(key, 'queued', 'skipped', { reason: 'unknown_campaign' }))
      ? { status: 'skipped', reason: 'unknown_campaign' }
      : { status: 'duplicate' };
  }
  const customer = await deps.customers.get(request.customerId);
  const check = !customer
    ? ({ ok: false, reason: 'erased' } as const)
    : customer.erasedAt !== undefined
      ? ({ ok: false, reason: 'erased' } as const)
      : channelCheck(customer, request.channel, undefined, deps.settings);
  if (!customer || !check.ok) {
    const reason = check.ok ? 'erased' : check.reason;
    return (await deps.ledger.transition(key, 'queued', 'skipped', { reason }))
      ? { status: 'skipped', reason }
      : { status: 'duplicate' };
  }

  const now = deps.clock.now();
  const token = deps.links.sign(
    { purpose: 'unsubscribe', customerId: customer.customerId, channel: request.channel },
    new Date(now.getTime() + UNSUBSCRIBE_LINK_DAYS * 86_400_000),
  );
  const unsubscribeUrl = `${deps.settings.publicBaseUrl.replace(/\/$/, '')}/unsubscribe?token=${token}`;
  const occasionDate = /^\d{4}-\d{2}-\d{2}$/.test(request.occasion)
    ? request.occasion
    : request.plannedAt.slice(0, 10);
  const context = templateContext(
    customer,
    campaign,
    { key: request.occasion, date: occasionDate },
    deps.settings,
    unsubscribeUrl,
  );
  const message = renderMessage(campaign, request.channel, context);
  const tags = { campaign: campaign.id, occasion: request.occasion, customer: customer.customerId };

  if (!(await deps.ledger.transition(key, 'queued', 'unknown'))) return { status: 'duplicate' };
  let messageId: string;
  try {
    if (message.channel === 'email') {
      ({ messageId } = await deps.email.send({
        to: customer.email as string,
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers: {
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'X-Precis-Campaign': campaign.id,
          'X-Precis-Occasion': request.occasion,
        },
        tags,
      }));
    } else {
      ({ messageId } = await deps.sms.send({ to: customer.phone as string, text: message.text, tags }));
    }
  } catch (err) {
    if (err instanceof ProviderThrottledError) {
      await deps.ledger.transition(key, 'unknown', 'queued');
      throw err;
    }
    if (err instanceof ProviderRejectedError) {
      await deps.ledger.transition(key, 'unknown', 'failed', { reason: err.message });
      return { status: 'failed', reason: err.message };
    }
    return { status: 'unknown', errorName: (err as Error)?.name ?? 'Error' };
  }
  await deps.ledger.transition(key, 'unknown', 'sent', {
    providerMessageId: messageId,
    sentAt: now.toISOString(),
  });
  return { status: 'sent', messageId };
}
