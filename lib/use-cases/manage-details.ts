import { type LinkingSettings, publicUrl } from '../domain/campaigns/campaign';
import type { Customer } from '../domain/customer';
import {
  applyDetails,
  type DetailsChange,
  MANAGE_LINK_DAYS,
  MANAGE_LINK_RESEND_MINUTES,
  manageFormSchema,
  renderManageLinkEmail,
} from '../domain/preferences';
import { type FieldError, fieldErrors } from '../domain/validation';
import type { Clock } from '../ports/clock';
import type { ConsentStore } from '../ports/consent-store';
import { ConcurrentUpdateError, type CustomerRepository } from '../ports/customer-repository';
import type { LinkSigner } from '../ports/link-signer';
import type { EmailSender } from '../ports/message-senders';
import { verifyLink } from './consent-links';
import type { CustomerExport } from './export-customer';

// The signed "manage your details" page (the preference centre). The token — from the footer of
// every email or from `POST /manage/link` — is the only authentication: signed, expiring, naming one
// customer. A token that does not verify and a customer who is gone or erased get the same answer.

/** A campaign as the page offers it: opt-outs are per campaign. */
export interface OfferedCampaign {
  id: string;
  name: string;
}

export interface ManageDeps {
  customers: Pick<CustomerRepository, 'get' | 'updateProfile' | 'findByIdentity'>;
  links: LinkSigner;
  clock: Clock;
  campaigns: readonly OfferedCampaign[];
  settings: Pick<LinkingSettings, 'brandName' | 'publicBaseUrl'>;
  /** Everything held about the person (the same export as the admin API's). */
  exportData: (customerId: string) => Promise<CustomerExport | undefined>;
}

export interface ManageLinkDeps extends Pick<ManageDeps, 'customers' | 'links' | 'clock' | 'settings'> {
  consent: Pick<ConsentStore, 'claimManageLinkSend'>;
  email: EmailSender;
}

export type ManagePage =
  | { status: 'invalid' }
  | { status: 'ok'; customer: Customer; campaigns: readonly OfferedCampaign[] };

const ATTEMPTS = 3;

/** A signed link to the person's manage page. */
export function manageUrl(
  deps: Pick<ManageDeps, 'links' | 'settings'>,
  customerId: string,
  now: Date,
): string {
  const token = deps.links.sign(
    { purpose: 'manage', customerId, channel: 'email' },
    new Date(now.getTime() + MANAGE_LINK_DAYS * 86_400_000),
  );
  return publicUrl(deps.settings.publicBaseUrl, '/manage', { token });
}

async function customerOf(
  deps: Pick<ManageDeps, 'customers' | 'links' | 'clock'>,
  token: string | undefined,
): Promise<Customer | undefined> {
  const claims = verifyLink(deps, token, 'manage');
  if (!claims) return undefined;
  const customer = await deps.customers.get(claims.customerId);
  return customer && customer.erasedAt === undefined ? customer : undefined;
}

export async function openManagePage(deps: ManageDeps, token: string | undefined): Promise<ManagePage> {
  const customer = await customerOf(deps, token);
  return customer ? { status: 'ok', customer, campaigns: deps.campaigns } : { status: 'invalid' };
}

export type SaveOutcome =
  | { status: 'invalid' }
  /** Field errors: nothing was changed; the page is shown again with what was typed. */
  | { status: 'rejected'; fields: FieldError[]; customer: Customer; campaigns: readonly OfferedCampaign[] }
  | { status: 'saved' | 'unchanged' };

/** Validates the posted form and applies it: all of it or nothing. */
export async function saveDetails(deps: ManageDeps, input: Record<string, unknown>): Promise<SaveOutcome> {
  const token = typeof input.token === 'string' ? input.token : undefined;
  for (let attempt = 1; ; attempt++) {
    const customer = await customerOf(deps, token);
    if (!customer) return { status: 'invalid' };
    const now = deps.clock.now();
    const parsed = manageFormSchema(now.toISOString().slice(0, 10)).safeParse(input);
    if (!parsed.success) {
      return { status: 'rejected', fields: fieldErrors(parsed.error), customer, campaigns: deps.campaigns };
    }
    const change: DetailsChange = parsed.data;
    const next = applyDetails(
      customer,
      change,
      deps.campaigns.map((c) => c.id),
      now.toISOString(),
    );
    if (next === customer) return { status: 'unchanged' };
    try {
      await deps.customers.updateProfile(next, customer.version);
      return { status: 'saved' };
    } catch (err) {
      if (!(err instanceof ConcurrentUpdateError) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** The person's data as one JSON document, for the page's download link. */
export async function exportByLink(
  deps: ManageDeps,
  token: string | undefined,
): Promise<CustomerExport | undefined> {
  const customer = await customerOf(deps, token);
  return customer ? deps.exportData(customer.customerId) : undefined;
}

/**
 * `POST /manage/link {email}`: emails a manage link if the address belongs to a live customer and
 * none was sent in the last minutes. The caller answers the same whatever happens here.
 */
export async function requestManageLink(
  deps: ManageLinkDeps,
  email: string,
): Promise<'sent' | 'unknown' | 'rate_limited'> {
  const customer = await deps.customers.findByIdentity('email', email);
  if (!customer || customer.erasedAt !== undefined || customer.email === undefined) return 'unknown';
  const now = deps.clock.now();
  const since = new Date(now.getTime() - MANAGE_LINK_RESEND_MINUTES * 60_000).toISOString();
  if (!(await deps.consent.claimManageLinkSend(customer.customerId, now.toISOString(), since))) {
    return 'rate_limited';
  }
  await deps.email.send({
    to: customer.email,
    ...renderManageLinkEmail(deps.settings.brandName, manageUrl(deps, customer.customerId, now)),
    headers: { 'X-Precis-Campaign': 'manage-link' },
    tags: { campaign: 'manage-link', customer: customer.customerId },
  });
  return 'sent';
}
