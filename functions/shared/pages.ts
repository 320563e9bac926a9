import { escapeHtml } from '../../lib/domain/html';
import type { HttpResult } from './http';

// The public pages behind the links in our emails (consent pages, the survey page): one plain,
// server-rendered HTML shell, never cached, never indexed, no referrer sent on.

export function htmlPage(statusCode: number, title: string, body: string, brandName: string): HttpResult {
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

/** The one answer to a link that does not work: it never says why, or whom it was for. */
export const invalidLinkPage = (brandName: string): HttpResult =>
  htmlPage(
    400,
    'This link does not work',
    '<p>The link is incomplete, has expired, or was already replaced by a newer one.</p>',
    brandName,
  );
