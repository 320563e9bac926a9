import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { escapeHtml } from '../../lib/domain/html';
import { surveyFormInput } from '../../lib/domain/survey-links';
import { answerSurvey, openSurvey, type SurveyPageDeps } from '../../lib/use-cases/answer-survey';
import { HttpError, type HttpHandler, type HttpResult, httpHandler, readBody } from '../shared/http';
import { htmlPage, invalidLinkPage } from '../shared/pages';
import { SURVEY_ANSWERED_TITLE, SURVEY_THANKS_TITLE, SURVEY_TITLE, surveyForm } from './page';

// The post-purchase survey's public page, reached from the score links in the survey email:
//   GET  /survey?token=…  the form, with the clicked score chosen; records nothing (link scanners
//                         and mail previews open links: a GET must not answer for the person)
//   POST /survey          {token, score, comment} (form): records the answer as POST /surveys
//                         does, once per order, and thanks the person
// A bad, expired or foreign token gets one 400 page that says nothing about whom it was for.

export interface SurveyPageSettings {
  brandName: string;
}

async function surveyPage(
  deps: SurveyPageDeps,
  event: APIGatewayProxyEventV2,
  brand: string,
  logger: Logger,
): Promise<HttpResult> {
  const method = event.requestContext.http.method;
  if (method === 'GET') {
    const token = event.queryStringParameters?.token;
    const opened = await openSurvey(deps, token);
    if (opened.status === 'invalid') return invalidLinkPage(brand);
    return htmlPage(200, SURVEY_TITLE, surveyForm({ token: token as string, score: opened.score }), brand);
  }
  if (method !== 'POST') throw new HttpError(404, 'not_found', 'no such page');
  const form = surveyFormInput(new URLSearchParams(readBody(event, ['form']).text));
  const outcome = await answerSurvey(deps, form);
  logger.info('survey page answered', { outcome: outcome.status });
  switch (outcome.status) {
    case 'invalid':
      return invalidLinkPage(brand);
    case 'rejected': {
      const typed = Number(form.score);
      const view = {
        token: form.token as string,
        score: Number.isInteger(typed) ? typed : undefined,
        comment: form.comment,
        errors: outcome.fields,
      };
      return htmlPage(400, SURVEY_TITLE, surveyForm(view), brand);
    }
    case 'already_answered':
      return htmlPage(
        409,
        SURVEY_ANSWERED_TITLE,
        '<p>This order was already answered, and the first answer stands. Thank you for telling us.</p>',
        brand,
      );
    default:
      return htmlPage(
        200,
        SURVEY_THANKS_TITLE,
        `<p>${escapeHtml(brand)} has your score: ${outcome.score} out of 5.</p>`,
        brand,
      );
  }
}

/** `GET|POST /survey` with the shared HTTP stack around it. */
export const surveyPageHandler = (
  deps: SurveyPageDeps,
  settings: SurveyPageSettings,
  logger: Logger,
): HttpHandler => httpHandler(logger, (event) => surveyPage(deps, event, settings.brandName, logger));
