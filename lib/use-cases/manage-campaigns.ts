import type { Campaign } from '../domain/campaigns/campaign';
import {
  type ApplyStep,
  nextStatus,
  planApply,
  type StatusAction,
} from '../domain/campaigns/campaign-versions';
import { CheckedCampaignSchema, CheckedCampaignsSchema } from '../domain/campaigns/checked-campaigns';
import { parseOrThrow, ValidationError } from '../domain/validation';
import type { CampaignStore, SaveResult } from '../ports/campaign-store';
import type { Clock } from '../ports/clock';

// Saving campaigns (the admin API, `precis campaigns …`): validated as the config load validates
// them (zod + every template field resolved), then a conditional write. A bad campaign changes
// nothing (ValidationError: 400 naming the field); a stale edit changes nothing (conflict: 409 with
// the current version, so the editor can look at it and retry).

export interface ManageCampaignsDeps {
  store: CampaignStore;
  clock: Clock;
}

export type SaveOutcome =
  | { status: 'saved'; id: string; version: number }
  | { status: 'conflict'; id: string; currentVersion: number }
  | { status: 'missing'; id: string }
  | { status: 'refused'; id: string; message: string };

const outcomeOf = (id: string, result: SaveResult): SaveOutcome => ({ id, ...result });

const metaOf = (deps: ManageCampaignsDeps, by: string) => ({ at: deps.clock.now().toISOString(), by });

export async function createCampaign(
  deps: ManageCampaignsDeps,
  input: unknown,
  by: string,
): Promise<SaveOutcome> {
  const campaign = parseOrThrow(CheckedCampaignSchema, input);
  return outcomeOf(campaign.id, await deps.store.create(campaign, metaOf(deps, by)));
}

/**
 * A new version of campaign `id`: the body is the whole definition plus `expectedVersion` (the
 * version the editor started from). The id is the path's; a body naming another id is refused.
 * The status is the head's (pause/resume/archive change it), whatever the body says.
 */
export async function updateCampaign(
  deps: ManageCampaignsDeps,
  id: string,
  input: unknown,
  by: string,
): Promise<SaveOutcome> {
  const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
  const { expectedVersion, ...definition } = body as Record<string, unknown>;
  if (!Number.isInteger(expectedVersion) || (expectedVersion as number) < 1) {
    throw new ValidationError([
      { path: 'expectedVersion', message: 'must be the version you edited (an integer from 1)' },
    ]);
  }
  if (definition.id !== undefined && definition.id !== id) {
    throw new ValidationError([
      { path: 'id', message: `must be ${id} (the campaign in the path) or left out` },
    ]);
  }
  const campaign = parseOrThrow(CheckedCampaignSchema, { ...definition, id });
  const current = await deps.store.history(id);
  if (!current) return { status: 'missing', id };
  const kept: Campaign = { ...campaign, status: current.current.status };
  return outcomeOf(id, await deps.store.update(kept, expectedVersion as number, metaOf(deps, by)));
}

export async function changeCampaignStatus(
  deps: ManageCampaignsDeps,
  id: string,
  action: StatusAction,
  by: string,
): Promise<SaveOutcome> {
  const current = await deps.store.history(id);
  if (!current) return { status: 'missing', id };
  const next = nextStatus(current.current.status, action);
  if ('refused' in next) return { status: 'refused', id, message: next.refused };
  if (next.status === current.current.status)
    return { status: 'saved', id, version: current.current.version };
  return outcomeOf(id, await deps.store.setStatus(id, current.current.status, next.status, metaOf(deps, by)));
}

export type AppliedStep = ApplyStep & { outcome: SaveOutcome['status']; version?: number };

/**
 * `precis campaigns apply FILE`: every campaign of the file validated first (one bad campaign: a
 * 400 naming `<index>.<field>`, nothing saved), then new ones created and changed ones given a new
 * version; unchanged ones are left alone, so applying the same file again does nothing.
 */
export async function applyCampaigns(
  deps: ManageCampaignsDeps,
  input: unknown,
  by: string,
): Promise<AppliedStep[]> {
  const wanted = parseOrThrow(CheckedCampaignsSchema, input);
  const steps = planApply(await deps.store.list(), wanted);
  const meta = metaOf(deps, by);
  const done: AppliedStep[] = [];
  for (const [i, step] of steps.entries()) {
    const campaign = wanted[i] as Campaign;
    if (step.action === 'unchanged') {
      done.push({ ...step, outcome: 'saved' });
      continue;
    }
    const result =
      step.action === 'create'
        ? await deps.store.create(campaign, meta)
        : await deps.store.update(campaign, step.expectedVersion, meta);
    done.push({
      ...step,
      outcome: result.status,
      ...(result.status === 'saved' && { version: result.version }),
    });
  }
  return done;
}
