import type { Customer } from '../../lib/domain/customer';
import { escapeHtml } from '../../lib/domain/html';
import { MANAGE_LINK_DAYS } from '../../lib/domain/preferences';
import type { FieldError } from '../../lib/domain/validation';
import type { OfferedCampaign } from '../../lib/use-cases/manage-details';
import { VERIFY_PHONE_TITLE, verifyPhoneForm } from './verify-phone-page';

// The manage-your-details page (preference centre) as plain, accessible HTML: every value escaped,
// labels on every field, errors next to their field (aria-describedby) and summarised at the top,
// the signed token in a hidden field (no cookies: nothing for a forged cross-site post to ride on),
// and the form posted back to POST /manage, answered with a redirect to GET (post-redirect-get).

export const MANAGE_TITLE = 'Your details and preferences';

const attr = (value: string | undefined): string => escapeHtml(value ?? '');

/** What the form shows: the stored profile, or what was typed when it came back with errors. */
export interface ManageValues {
  firstName?: string;
  lastName?: string;
  birthday?: string;
  timeZone?: string;
  locale?: string;
  phone?: string;
  country?: string;
  email: boolean;
  sms: boolean;
  campaigns: string[];
}

export function valuesOf(customer: Customer, campaigns: readonly OfferedCampaign[]): ManageValues {
  const optedOut = new Set(customer.campaignOptOuts ?? []);
  return {
    ...(customer.firstName !== undefined && { firstName: customer.firstName }),
    ...(customer.lastName !== undefined && { lastName: customer.lastName }),
    ...(customer.birthday !== undefined && { birthday: customer.birthday }),
    timeZone: customer.timeZone,
    locale: customer.locale,
    ...((customer.pendingPhone?.phone ?? customer.phone) !== undefined && {
      phone: customer.pendingPhone?.phone ?? customer.phone,
    }),
    email: customer.consent.email.status === 'confirmed' || customer.consent.email.status === 'pending',
    sms: customer.consent.sms.status === 'opted_in' || customer.consent.sms.status === 'pending',
    campaigns: campaigns.map((c) => c.id).filter((id) => !optedOut.has(id)),
  };
}

/** The values as typed, from the posted form fields. */
export function typedValues(fields: Iterable<[string, string]>): ManageValues {
  const values: ManageValues = { email: false, sms: false, campaigns: [] };
  for (const [key, value] of fields) {
    if (key === 'email' || key === 'sms') values[key] = true;
    else if (key === 'campaign') values.campaigns.push(value);
    else if (['firstName', 'lastName', 'birthday', 'timeZone', 'locale', 'phone', 'country'].includes(key))
      (values as unknown as Record<string, string>)[key] = value;
  }
  return values;
}

function field(
  name: keyof ManageValues,
  label: string,
  values: ManageValues,
  errors: readonly FieldError[],
  extra: { type?: string; hint?: string; autocomplete?: string; list?: string; required?: boolean } = {},
): string {
  const error = errors.find((e) => e.path === name)?.message;
  const described = [extra.hint ? `${name}-hint` : '', error ? `${name}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    `<p><label for="${name}">${escapeHtml(label)}</label><br>` +
    (extra.hint ? `<small id="${name}-hint">${escapeHtml(extra.hint)}</small><br>` : '') +
    (error ? `<strong id="${name}-error" style="color:#b00">${escapeHtml(error)}</strong><br>` : '') +
    `<input id="${name}" name="${name}" type="${extra.type ?? 'text'}" value="${attr(values[name] as string | undefined)}"` +
    (extra.autocomplete ? ` autocomplete="${extra.autocomplete}"` : '') +
    (extra.list ? ` list="${extra.list}"` : '') +
    (extra.required ? ' required' : '') +
    (error ? ' aria-invalid="true"' : '') +
    (described ? ` aria-describedby="${described}"` : '') +
    '></p>'
  );
}

const checkbox = (name: string, value: string, label: string, checked: boolean, id: string): string =>
  `<p><input type="checkbox" id="${id}" name="${name}" value="${escapeHtml(value)}"${checked ? ' checked' : ''}> ` +
  `<label for="${id}">${escapeHtml(label)}</label></p>`;

export function manageForm(options: {
  token: string;
  customer: Customer;
  campaigns: readonly OfferedCampaign[];
  values: ManageValues;
  errors: readonly FieldError[];
  saved: boolean;
  brandName: string;
}): string {
  const { token, customer, campaigns, values, errors } = options;
  const zones = Intl.supportedValuesOf('timeZone');
  const summary =
    errors.length > 0
      ? `<div role="alert"><p><strong>Nothing was changed. Please correct:</strong></p><ul>${errors
          .map(
            (e) => `<li><a href="#${attr(e.path)}">${escapeHtml(e.path)}</a>: ${escapeHtml(e.message)}</li>`,
          )
          .join('')}</ul></div>`
      : '';
  const saved = options.saved ? '<p role="status"><strong>Your changes are saved.</strong></p>' : '';
  const pending = customer.pendingPhone
    ? `<p>The number ${escapeHtml(customer.pendingPhone.phone)} is waiting to be verified: it gets no texts until ` +
      'you type the code we texted to it in the form below this one.</p>'
    : '';
  const emailStatus =
    customer.consent.email.status === 'pending'
      ? '<small>Waiting for you to confirm your address from the email we sent.</small>'
      : '';
  return (
    saved +
    summary +
    `<p>These are the details ${escapeHtml(options.brandName)} holds for ${escapeHtml(customer.email ?? '')}.</p>` +
    `<form method="post" action="/manage" novalidate>` +
    `<input type="hidden" name="token" value="${attr(token)}">` +
    '<fieldset><legend>About you</legend>' +
    field('firstName', 'First name', values, errors, { autocomplete: 'given-name', required: true }) +
    field('lastName', 'Last name (optional)', values, errors, { autocomplete: 'family-name' }) +
    field('birthday', 'Birthday (optional)', values, errors, {
      hint: 'As YYYY-MM-DD, or --MM-DD without the year.',
      autocomplete: 'bday',
    }) +
    field('timeZone', 'Time zone', values, errors, { list: 'zones', hint: 'Such as Europe/Paris.' }) +
    `<datalist id="zones">${zones.map((z) => `<option value="${attr(z)}">`).join('')}</datalist>` +
    field('locale', 'Language', values, errors, { hint: 'A language tag such as en-GB or fr-FR.' }) +
    field('phone', 'Mobile phone (optional)', values, errors, {
      type: 'tel',
      autocomplete: 'tel',
      hint: 'With its country code, such as +44 7911 123456. A new number gets no texts until it is verified.',
    }) +
    pending +
    '</fieldset>' +
    '<fieldset><legend>How we may contact you</legend>' +
    checkbox('email', 'on', 'Marketing emails', values.email, 'email') +
    emailStatus +
    checkbox('sms', 'on', 'Text messages (to the phone number above)', values.sms, 'sms') +
    '</fieldset>' +
    '<fieldset><legend>Which messages you want</legend>' +
    campaigns
      .map((c) => checkbox('campaign', c.id, c.name, values.campaigns.includes(c.id), `campaign-${c.id}`))
      .join('') +
    '</fieldset>' +
    '<p><button type="submit">Save my details</button></p></form>' +
    (customer.pendingPhone ? `<h2>${escapeHtml(VERIFY_PHONE_TITLE)}</h2>${verifyPhoneForm(token)}` : '') +
    `<p><a href="/manage/export?token=${encodeURIComponent(token)}" download="my-data.json">Download my data</a> (JSON: your profile, orders, survey answers and the messages we sent you)</p>` +
    `<p><small>This page's link works for ${MANAGE_LINK_DAYS} days from when it was sent.</small></p>`
  );
}

/** The public "email me a link" form. */
export function linkRequestForm(sent: boolean): string {
  return (
    (sent
      ? '<p role="status"><strong>If that address is registered with us, a link is on its way to it.</strong></p>'
      : '') +
    '<form method="post" action="/manage/link">' +
    '<p><label for="email">Your email address</label><br>' +
    '<input id="email" name="email" type="email" autocomplete="email" required></p>' +
    '<p><button type="submit">Email me a link</button></p></form>'
  );
}
