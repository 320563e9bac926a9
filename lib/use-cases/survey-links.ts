import { publicUrl } from '../domain/campaigns/campaign';
import type { TemplateContext } from '../domain/campaigns/templates';
import { SURVEY_LINK_DAYS, SURVEY_PATH, SURVEY_SCORES } from '../domain/survey-links';
import type { LinkClaims, LinkSigner } from '../ports/link-signer';

// The post-purchase survey answered from the email (domain/survey-links.ts):
// - the sender signs one link per score and one for a comment (`surveyLinks`), each a token naming
//   the customer, the order, the email's ledger row and the score, for 60 days, purpose `survey`
//   (an unsubscribe or manage token is no survey answer, and a survey token unsubscribes nobody);
// - `GET /survey?token=…` only shows the form (`openSurvey`): link scanners and previews follow
//   links, so opening one records nothing;
// - `POST /survey` records the answer through recordSurvey, the use case of `POST /surveys`, with
//   the survey id of the order: once per order (answer-survey.ts, apart so the sender's bundle
//   does not carry the survey's validation).
// A token that does not verify and a customer who no longer exists (or was erased) are one
// `invalid`: the page says nothing about whom a link was for.

export interface SurveyLinkSettings {
  publicBaseUrl: string;
}

/** The template's `survey` fields for one message. */
export function surveyLinks(
  deps: { links: LinkSigner; settings: SurveyLinkSettings },
  message: { customerId: string; channel: LinkClaims['channel']; deliveryKey: string; orderId?: string },
  now: Date,
): NonNullable<TemplateContext['survey']> {
  const expiresAt = new Date(now.getTime() + SURVEY_LINK_DAYS * 86_400_000);
  const url = (score?: number) =>
    publicUrl(deps.settings.publicBaseUrl, SURVEY_PATH, {
      token: deps.links.sign(
        {
          purpose: 'survey',
          customerId: message.customerId,
          channel: message.channel,
          deliveryKey: message.deliveryKey,
          ...(message.orderId !== undefined && { orderId: message.orderId }),
          ...(score !== undefined && { score }),
        },
        expiresAt,
      ),
    });
  return { scoreLinks: SURVEY_SCORES.map((score) => ({ score, url: url(score) })), commentUrl: url() };
}
