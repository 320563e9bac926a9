import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { StatusAction } from '../../lib/domain/campaigns/campaign-versions';
import { ValidationError } from '../../lib/domain/validation';
import type { CampaignStore } from '../../lib/ports/campaign-store';
import type { CampaignCatalog } from '../../lib/use-cases/campaign-catalog';
import {
  applyCampaigns,
  changeCampaignStatus,
  createCampaign,
  type ManageCampaignsDeps,
  type SaveOutcome,
  updateCampaign,
} from '../../lib/use-cases/manage-campaigns';
import {
  HttpError,
  type HttpHandler,
  type HttpResult,
  httpHandler,
  json,
  parseJson,
  readBody,
} from '../shared/http';

/**
 * Campaigns as data, the admin routes (IAM when deployed, the admin key locally):
 * - `GET /campaigns/{id}`: the current version, its status and every version (who, when, definition).
 * - `POST /campaigns`: a new campaign (its version 1). 201; 409 `campaign_exists`.
 * - `PUT /campaigns/{id}`: a new version; the body is the whole definition and `expectedVersion`.
 *   409 `version_conflict` with `currentVersion` when someone saved first.
 * - `POST /campaigns/{id}/pause|resume|archive`: the status (no new version). 409 when archived.
 * - `POST /campaigns/apply`: `{ campaigns: [...] }`, creates new ones, versions changed ones.
 * A bad campaign: 400 `validation_failed` naming each field (`templates.en.email.subject`); nothing saved.
 * `GET /campaigns` (the list, with version and status) is the reports function's.
 */
export interface CampaignsAdminDeps extends ManageCampaignsDeps {
  store: CampaignStore;
  /** Read before each request: seeds the config file's campaigns the store does not have yet. */
  catalog: Pick<CampaignCatalog, 'campaigns'>;
}

/** Campaign files with HTML templates are larger than the other admin bodies. */
export const MAX_CAMPAIGN_BODY_BYTES = 256 * 1024;

const ACTIONS: Record<string, StatusAction> = {
  'POST /campaigns/{id}/pause': 'pause',
  'POST /campaigns/{id}/resume': 'resume',
  'POST /campaigns/{id}/archive': 'archive',
};

/** Who made the change, as the ledger of versions records it: the IAM caller (locally `local-admin`). */
const callerOf = (event: APIGatewayProxyEventV2): string => {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam;
  return iam?.userArn ?? 'admin';
};

function saved(outcome: SaveOutcome, created = false): HttpResult {
  switch (outcome.status) {
    case 'saved':
      return json(created ? 201 : 200, { id: outcome.id, version: outcome.version });
    case 'conflict':
      return json(409, {
        error: created ? 'campaign_exists' : 'version_conflict',
        message: created
          ? `campaign ${outcome.id} exists (version ${outcome.currentVersion}): update it with PUT`
          : `campaign ${outcome.id} is at version ${outcome.currentVersion}: read it and edit that version`,
        currentVersion: outcome.currentVersion,
      });
    case 'missing':
      throw new HttpError(404, 'unknown_campaign', `no campaign ${outcome.id}`);
    case 'refused':
      throw new HttpError(409, 'campaign_archived', `campaign ${outcome.id}: ${outcome.message}`);
  }
}

const body = (event: APIGatewayProxyEventV2): unknown =>
  parseJson(readBody(event, ['json'], MAX_CAMPAIGN_BODY_BYTES).text);

export async function handleCampaignsAdmin(
  event: APIGatewayProxyEventV2,
  deps: CampaignsAdminDeps,
  logger: Logger,
): Promise<HttpResult> {
  await deps.catalog.campaigns();
  const id = event.pathParameters?.id ?? '';
  const by = callerOf(event);
  const action = ACTIONS[event.routeKey];
  if (action) {
    const outcome = await changeCampaignStatus(deps, id, action, by);
    logger.info('campaign status', { campaignId: id, action, outcome: outcome.status });
    return saved(outcome);
  }
  switch (event.routeKey) {
    case 'GET /campaigns/{id}': {
      const history = await deps.store.history(id);
      if (!history) throw new HttpError(404, 'unknown_campaign', `no campaign ${id}`);
      return json(200, history);
    }
    case 'POST /campaigns': {
      const outcome = await createCampaign(deps, body(event), by);
      logger.info('campaign created', { campaignId: outcome.id, outcome: outcome.status });
      return saved(outcome, true);
    }
    case 'PUT /campaigns/{id}': {
      const outcome = await updateCampaign(deps, id, body(event), by);
      logger.info('campaign updated', { campaignId: id, outcome: outcome.status });
      return saved(outcome);
    }
    case 'POST /campaigns/apply': {
      const input = body(event);
      const campaigns =
        typeof input === 'object' && input !== null && 'campaigns' in input ? input.campaigns : undefined;
      if (!Array.isArray(campaigns)) {
        throw new ValidationError([{ path: 'campaigns', message: 'must be a list of campaigns' }]);
      }
      const steps = await applyCampaigns(deps, campaigns, by);
      logger.info('campaigns applied', {
        steps: steps.map(({ id: c, action: a, outcome }) => `${c}:${a}:${outcome}`),
      });
      return json(200, { steps });
    }
    default:
      throw new HttpError(404, 'not_found', `no route ${event.routeKey}`);
  }
}

export const campaignsAdminHandler = (deps: CampaignsAdminDeps, logger: Logger): HttpHandler =>
  httpHandler(logger, (event) => handleCampaignsAdmin(event, deps, logger));
