import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  type ConsentLinkDeps,
  confirmByLink,
  type LinkOutcome,
  unsubscribeByLink,
  verifyLink,
} from '../../lib/use-cases/consent-links';
import { type HttpHandler, type HttpResult, httpHandler } from '../shared/http';

// The public consent pages, reached from links in our emails (no admin key):
//   GET  /confirm?token=…      double opt-in: confirms the address, answers a small page
//   GET  /unsubscribe?token=…  a page with one button (a GET never unsubscribes: link scanners
//                              and previews follow links)
//   POST /unsubscribe?token=…  unsubscribes; mail clients post `List-Unsubscribe=One-Click`
//                              (RFC 8058), the page's button posts the same
//   GET  /thanks               the default thank-you page after a plain HTML signup form
// A bad, expired or foreign token gets one 400 page that says nothing about whom it was for.

export interface ConsentPageSettings {
  brandName: string;
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c] ?? c,
  );

function page(statusCode: number, title: string, body: string, brandName: string): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    },
    body:
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)} · ${escapeHtml(brandName)}</title></head>` +
      `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">` +
      `<h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

const INVALID = (brand: string) =>
  page(
    400,
    'This link does not work',
    '<p>The link is incomplete, has expired, or was already replaced by a newer one.</p>',
    brand,
  );

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

const tokenOf = (event: APIGatewayProxyEventV2): string | undefined => event.queryStringParameters?.token;

export function consentHandler(
  deps: ConsentLinkDeps,
  settings: ConsentPageSettings,
  logger: Logger,
): HttpHandler {
  const brand = settings.brandName;
  return httpHandler(logger, async (event) => {
    const token = tokenOf(event);
    const route = `${event.requestContext.http.method} ${event.rawPath}`;
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
