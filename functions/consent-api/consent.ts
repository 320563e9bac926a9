import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { emailSchema } from '../../lib/domain/email-address';
import { escapeHtml } from '../../lib/domain/html';
import { manageFormInput } from '../../lib/domain/preferences';
import { parseOrThrow } from '../../lib/domain/validation';
import {
  type ConsentLinkDeps,
  confirmByLink,
  type LinkOutcome,
  unsubscribeByLink,
  verifyLink,
} from '../../lib/use-cases/consent-links';
import {
  exportByLink,
  type ManageDeps,
  type ManageLinkDeps,
  openManagePage,
  requestManageLink,
  saveDetails,
} from '../../lib/use-cases/manage-details';
import { type VerifyPhoneDeps, verifyPhone } from '../../lib/use-cases/verify-phone';
import * as z from '../../lib/zod';
import {
  HttpError,
  type HttpHandler,
  type HttpResult,
  httpHandler,
  json,
  parseJson,
  readBody,
} from '../shared/http';
import { htmlPage, invalidLinkPage } from '../shared/pages';
import { linkRequestForm, MANAGE_TITLE, manageForm, typedValues, valuesOf } from './manage-page';
import {
  CODE_NOT_ACCEPTED,
  PHONE_VERIFIED_TITLE,
  VERIFY_PHONE_TITLE,
  verifyPhoneAnswer,
  verifyPhoneForm,
} from './verify-phone-page';

// The public consent pages, reached from links in our emails (no admin key):
//   GET  /confirm?token=…      double opt-in: confirms the address, answers a small page
//   GET  /unsubscribe?token=…  a page with one button (a GET never unsubscribes: link scanners
//                              and previews follow links)
//   POST /unsubscribe?token=…  unsubscribes; mail clients post `List-Unsubscribe=One-Click`
//                              (RFC 8058), the page's button posts the same
//   GET  /thanks               the default thank-you page after a plain HTML signup form
//   GET  /verify-phone?token=… the form for the code texted to a number (phone verification)
//   POST /verify-phone         {token, code} (JSON or form): the right code verifies the number
// A bad, expired or foreign token gets one 400 page that says nothing about whom it was for.

export interface ConsentPageSettings {
  brandName: string;
}

const page = htmlPage;
const INVALID = invalidLinkPage;

export const CONFIRMED_TITLE = 'Your email address is confirmed';
export const UNSUBSCRIBED_TITLE = 'You are unsubscribed';
export const UNSUBSCRIBE_TITLE = 'Unsubscribe';

function outcomePage(outcome: LinkOutcome, brand: string): HttpResult {
  switch (outcome.status) {
    case 'invalid':
      return INVALID(brand);
    case 'confirmed':
    case 'already_confirmed':
      return page(
        200,
        CONFIRMED_TITLE,
        `<p>Thank you. You will hear from ${escapeHtml(brand)} by email.</p>`,
        brand,
      );
    case 'unsubscribed':
    case 'already_unsubscribed':
      return page(
        200,
        UNSUBSCRIBED_TITLE,
        `<p>You will get no more ${outcome.channel === 'sms' ? 'text messages' : 'marketing emails'} from ${escapeHtml(brand)}.</p>`,
        brand,
      );
  }
}

export const THANKS_TITLE = 'Thank you for signing up';

/** The default thank-you page a plain HTML signup form is redirected to (303). */
const thanksPage = (brand: string): HttpResult =>
  page(
    200,
    THANKS_TITLE,
    `<p>If you asked for email, please confirm your address from the message ${escapeHtml(brand)} ` +
      'has sent you: nothing is sent to it until you do.</p>',
    brand,
  );

/**
 * The manage-your-details pages: GET/POST /manage (the signed page), GET /manage/export (the
 * person's data as JSON), GET/POST /manage/link (ask for a link by email: always the same answer).
 */
async function managePages(
  deps: ManageDeps & ManageLinkDeps,
  event: APIGatewayProxyEventV2,
  route: string,
  brand: string,
  logger: Logger,
): Promise<HttpResult> {
  const token = tokenOf(event);
  switch (route) {
    case 'GET /manage': {
      const opened = await openManagePage(deps, token);
      if (opened.status === 'invalid') return INVALID(brand);
      const { customer, campaigns } = opened;
      return page(
        200,
        MANAGE_TITLE,
        manageForm({
          token: token as string,
          customer,
          campaigns,
          values: valuesOf(customer, campaigns),
          errors: [],
          saved: event.queryStringParameters?.saved === '1',
          brandName: brand,
        }),
        brand,
      );
    }
    case 'POST /manage': {
      const body = readBody(event, ['form']);
      const fields = [...new URLSearchParams(body.text)];
      const outcome = await saveDetails(deps, manageFormInput(fields));
      logger.info('manage page saved', { outcome: outcome.status });
      if (outcome.status === 'invalid') return INVALID(brand);
      const posted = new URLSearchParams(body.text).get('token') as string;
      if (outcome.status === 'rejected') {
        return page(
          400,
          MANAGE_TITLE,
          manageForm({
            token: posted,
            customer: outcome.customer,
            campaigns: outcome.campaigns,
            values: typedValues(fields),
            errors: outcome.fields,
            saved: false,
            brandName: brand,
          }),
          brand,
        );
      }
      // Post-redirect-get: a reload does not post the form again.
      return {
        statusCode: 303,
        headers: { location: `/manage?${new URLSearchParams({ token: posted, saved: '1' })}` },
        body: '',
      };
    }
    case 'GET /manage/export': {
      const data = await exportByLink(deps, token);
      if (!data) return INVALID(brand);
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': 'attachment; filename="my-data.json"',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        },
        body: JSON.stringify(data, null, 2),
      };
    }
    case 'GET /manage/link':
      return page(200, MANAGE_LINK_TITLE, linkRequestForm(event.queryStringParameters?.sent === '1'), brand);
    case 'POST /manage/link': {
      const body = readBody(event, ['json', 'form']);
      const input =
        body.kind === 'json' ? parseJson(body.text) : Object.fromEntries(new URLSearchParams(body.text));
      const { email } = parseOrThrow(ManageLinkRequestSchema, input);
      const outcome = await requestManageLink(deps, email);
      logger.info('manage link requested', { outcome });
      // The same answer whether the address is known, unknown, erased or rate-limited.
      return body.kind === 'form'
        ? { statusCode: 303, headers: { location: '/manage/link?sent=1' }, body: '' }
        : json(202, MANAGE_LINK_ACCEPTED);
    }
    default:
      throw new HttpError(404, 'not_found', 'no such page');
  }
}

export const MANAGE_LINK_TITLE = 'Manage your details';

/** The one answer to `POST /manage/link`: it never says whether the address is known. */
export const MANAGE_LINK_ACCEPTED = {
  status: 'accepted',
  message: 'If that address is registered with us, a link to manage your details is on its way to it.',
} as const;

const ManageLinkRequestSchema = z.strictObject({ email: emailSchema });

const tokenOf = (event: APIGatewayProxyEventV2): string | undefined => event.queryStringParameters?.token;

const VerifyPhoneSchema = z.strictObject({
  token: z.string().check(z.maxLength(1000)),
  code: z.string().check(z.maxLength(20)),
});

/** GET/POST /verify-phone: the code form, and the code checked (verify-phone.ts). */
async function verifyPhonePages(
  deps: VerifyPhoneDeps,
  event: APIGatewayProxyEventV2,
  route: string,
  brand: string,
  logger: Logger,
): Promise<HttpResult> {
  if (route === 'GET /verify-phone') {
    const token = tokenOf(event);
    const claims = token && token.length <= 1000 ? deps.links.verify(token, deps.clock.now()) : undefined;
    if (claims?.purpose !== 'verify-phone' && claims?.purpose !== 'manage') return INVALID(brand);
    return page(200, VERIFY_PHONE_TITLE, verifyPhoneForm(token as string), brand);
  }
  const body = readBody(event, ['json', 'form']);
  const input =
    body.kind === 'json' ? parseJson(body.text) : Object.fromEntries(new URLSearchParams(body.text));
  const { token, code } = parseOrThrow(VerifyPhoneSchema, input);
  const outcome = await verifyPhone(deps, token, code);
  logger.info('phone verification', { outcome: outcome.status });
  if (body.kind === 'json') {
    const answer = verifyPhoneAnswer(outcome);
    return json(answer.statusCode, answer.body);
  }
  if (outcome.status === 'invalid') return INVALID(brand);
  if (outcome.status === 'verified')
    return page(200, PHONE_VERIFIED_TITLE, `<p>Thank you. ${escapeHtml(brand)} may now text you.</p>`, brand);
  const error =
    outcome.status === 'malformed' ? 'The code is the 6 digits of the text we sent.' : CODE_NOT_ACCEPTED;
  return page(400, VERIFY_PHONE_TITLE, verifyPhoneForm(token, error), brand);
}

export function consentHandler(
  deps: ConsentLinkDeps,
  settings: ConsentPageSettings,
  logger: Logger,
  manage?: ManageDeps & ManageLinkDeps,
  verify?: VerifyPhoneDeps,
): HttpHandler {
  const brand = settings.brandName;
  return httpHandler(logger, async (event) => {
    const token = tokenOf(event);
    const route = `${event.requestContext.http.method} ${event.rawPath}`;
    if (manage && route.includes(' /manage')) return managePages(manage, event, route, brand, logger);
    if (verify && route.endsWith(' /verify-phone'))
      return verifyPhonePages(verify, event, route, brand, logger);
    if (route === 'GET /confirm') {
      const outcome = await confirmByLink(deps, token);
      logger.info('confirmation link', { outcome: outcome.status });
      return outcomePage(outcome, brand);
    }
    if (route === 'GET /thanks') return thanksPage(brand);
    if (route === 'GET /unsubscribe') {
      if (!verifyLink(deps, token, 'unsubscribe')) return INVALID(brand);
      return page(
        200,
        UNSUBSCRIBE_TITLE,
        `<p>Stop marketing messages from ${escapeHtml(brand)}?</p>` +
          `<form method="post" action="/unsubscribe?token=${encodeURIComponent(token as string)}">` +
          '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
          '<button type="submit">Unsubscribe</button></form>',
        brand,
      );
    }
    // POST /unsubscribe: mail clients send `List-Unsubscribe=One-Click` as urlencoded or multipart
    // form data (RFC 8058); the body is not needed: the signed token decides.
    const outcome = await unsubscribeByLink(deps, token);
    logger.info('unsubscribe link', { outcome: outcome.status });
    return outcomePage(outcome, brand);
  });
}
