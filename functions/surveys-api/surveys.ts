import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { surveySchema } from '../../lib/domain/survey';
import { parseOrThrow, ValidationError } from '../../lib/domain/validation';
import { recordSurvey, type SurveyDeps } from '../../lib/use-cases/record-survey';
import { type HttpHandler, type HttpResult, httpHandler, json, parseJson, readBody } from '../shared/http';

export async function handleSurvey(
  event: APIGatewayProxyEventV2,
  deps: SurveyDeps,
  logger: Logger,
): Promise<HttpResult> {
  const body = readBody(event, ['json']);
  const answer = parseOrThrow(surveySchema({ now: deps.clock.now().toISOString() }), parseJson(body.text));
  const outcome = await recordSurvey(deps, answer);
  logger.info('survey handled', { status: outcome.status, score: answer.score });
  switch (outcome.status) {
    case 'unknown_customer':
      throw new ValidationError([
        {
          path: `customer.${outcome.field}`,
          message: `no customer has this ${outcome.field === 'email' ? 'email' : 'id'}`,
        },
      ]);
    case 'conflict':
      return json(409, {
        error: 'survey_conflict',
        message: 'this survey id was already used for a different answer; the first one stands',
      });
    default:
      return json(202, outcome);
  }
}

/** `POST /surveys` with the shared HTTP stack around it. */
export const surveysHandler = (deps: SurveyDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleSurvey(event, deps, logger));
