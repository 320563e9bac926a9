import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ENV, type Env } from '../../config/env-names';
import { fetchJson, localApi, theLocalApi } from '../local-api';

// Campaigns as data against the running local stack (`npm start`), through the admin API
// (functions/campaigns-admin; GET /campaigns is the reports function's list):
//
// `precis campaigns list [--json]`: every campaign with its version, status and headline.
// `precis campaigns show <id> [--json | --definition]`: the current version and the version history;
//   `--definition` prints the current definition with `expectedVersion`, ready to edit and save.
// `precis campaigns create FILE`: a new campaign (JSON) as its version 1.
// `precis campaigns edit <id> [FILE]`: a new version. With FILE (a definition with expectedVersion,
//   as `show --definition` prints it), that; without, the current definition opens in $EDITOR and is
//   saved when the editor exits. Someone saved first: refused, naming the version to start from.
// `precis campaigns pause|resume|archive <id>`: the status (no new version).
// `precis campaigns apply FILE`: a JSON list of campaigns (or { "campaigns": [...] }) kept in git:
//   creates new ones, versions changed ones, leaves unchanged ones; prints what it did. Idempotent.
// A refused campaign prints one line per field (`templates.en.email.subject: unknown field …`) and
// exits 2; other failures exit 1.

const TIMEOUT_MS = 30_000;

export class CampaignRefused extends Error {
  override readonly name = 'CampaignRefused';
  readonly exitCode = 2;
}

interface Answer {
  status: number;
  body: unknown;
}

async function request(env: Env, method: string, path: string, body?: unknown): Promise<Answer> {
  const api = localApi(env);
  const answer = await fetchJson(
    `${api.url}${path}`,
    {
      method,
      headers: {
        'x-api-key': api.adminKey,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    },
    TIMEOUT_MS,
    theLocalApi(api.url),
  );
  if (answer.status === 401 || answer.status === 403) {
    throw new Error(`the API refused the admin key (${answer.status}): check ${ENV.adminKey}`);
  }
  if (answer.status === 400) {
    const fields = (answer.body as { fields?: { path?: unknown; message?: unknown }[] } | undefined)?.fields;
    const lines = Array.isArray(fields)
      ? fields.map((f) => `${String(f.path) || '(body)'}: ${String(f.message)}`)
      : ['the API refused it (400)'];
    throw new CampaignRefused(`campaign refused, nothing saved: ${lines.join('; ')}`);
  }
  if (answer.status >= 500) throw new Error(`the API at ${api.url} answered ${answer.status}`);
  return answer;
}

const messageOf = (body: unknown, fallback: string): string => {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : fallback;
};

function saved(answer: Answer, what: string): string {
  if (answer.status === 200 || answer.status === 201) {
    const { id, version } = answer.body as { id: string; version: number };
    return `${what} ${id}: version ${version}\n`;
  }
  throw new Error(messageOf(answer.body, `the API answered ${answer.status}`));
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CampaignRefused(`${file} is not valid JSON`);
  }
}

interface Headline {
  campaignId: string;
  campaignName: string;
  status: string;
  version: number | null;
  verdict: string;
  audience: { treated: number; holdout: number };
}

export function formatList(campaigns: readonly Headline[]): string {
  if (campaigns.length === 0) return 'no campaigns\n';
  const rows = campaigns.map((c) => [
    c.campaignId,
    `v${c.version ?? '?'}`,
    c.status,
    `${c.audience.treated}/${c.audience.holdout}`,
    c.verdict,
    c.campaignName,
  ]);
  const header = ['id', 'version', 'status', 'treated/holdout', 'verdict', 'name'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

interface History {
  current: Record<string, unknown> & { id: string; name: string; version: number; status: string };
  versions: { version: number; at: string; by: string; campaign: { name: string } }[];
}

/** The current definition with the version it was read at, ready to edit and PUT back. */
export function editable(history: History): Record<string, unknown> {
  const { version, updatedAt: _a, updatedBy: _b, status: _s, ...definition } = history.current;
  return { expectedVersion: version, ...definition };
}

export function formatHistory(history: History): string {
  const { current } = history;
  return [
    `${current.name} (${current.id}) · version ${current.version} · ${current.status}`,
    ...history.versions.map((v) => `  v${v.version}  ${v.at}  ${v.by}  ${v.campaign.name}`),
    '',
  ].join('\n');
}

interface Step {
  id: string;
  action: 'create' | 'update' | 'unchanged';
  outcome: string;
  version?: number;
  expectedVersion?: number;
}

export function formatSteps(steps: readonly Step[]): string {
  const lines = steps.map((s) => {
    if (s.action === 'unchanged') return `unchanged ${s.id} (version ${s.version})`;
    if (s.outcome !== 'saved')
      return `NOT SAVED ${s.id}: ${s.outcome} (someone changed it meanwhile: apply again)`;
    return s.action === 'create'
      ? `created   ${s.id} (version ${s.version})`
      : `updated   ${s.id} → version ${s.version}`;
  });
  return `${lines.join('\n')}\n`;
}

async function history(env: Env, id: string): Promise<History> {
  const answer = await request(env, 'GET', `/campaigns/${encodeURIComponent(id)}`);
  if (answer.status === 404) throw new Error(`no campaign ${id}`);
  return answer.body as History;
}

async function put(env: Env, id: string, definition: unknown): Promise<string> {
  const answer = await request(env, 'PUT', `/campaigns/${encodeURIComponent(id)}`, definition);
  if (answer.status === 404) throw new Error(`no campaign ${id}`);
  return saved(answer, 'saved');
}

/** The definition edited in $EDITOR (or $VISUAL, else vi); undefined when it came back unchanged. */
function editInEditor(env: Env, definition: Record<string, unknown>, id: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'precis-campaign-'));
  const file = join(dir, `${id}.json`);
  const before = `${JSON.stringify(definition, null, 2)}\n`;
  try {
    writeFileSync(file, before);
    const editor = env.VISUAL || env.EDITOR || 'vi';
    const ran = spawnSync(editor, [file], { stdio: 'inherit', shell: true });
    if (ran.status !== 0) throw new Error(`${editor} exited with ${ran.status ?? ran.signal}: nothing saved`);
    const after = readFileSync(file, 'utf8');
    return after === before ? undefined : readJsonFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function registerCampaignAdmin(program: Command): void {
  const campaigns = program
    .command('campaigns')
    .description(
      'campaigns as data on the running local stack: list, show, create, edit, pause, resume, archive, apply',
    );
  const out = (text: string) => process.stdout.write(text);
  const env = process.env;

  campaigns
    .command('list')
    .description('every campaign with its version, status and headline')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const answer = await request(env, 'GET', '/campaigns');
      const list = (answer.body as { campaigns: Headline[] }).campaigns;
      out(opts.json ? `${JSON.stringify(list, null, 2)}\n` : formatList(list));
    });

  campaigns
    .command('show <id>')
    .description('the current version and every version before it')
    .option('--json', 'print JSON')
    .option('--definition', 'print the current definition with expectedVersion (for edit FILE)')
    .action(async (id: string, opts: { json?: boolean; definition?: boolean }) => {
      const shown = await history(env, id);
      if (opts.definition) out(`${JSON.stringify(editable(shown), null, 2)}\n`);
      else out(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : formatHistory(shown));
    });

  campaigns
    .command('create <file>')
    .description('a new campaign from a JSON file (its version 1)')
    .action(async (file: string) => {
      const answer = await request(env, 'POST', '/campaigns', readJsonFile(file));
      out(saved(answer, 'created'));
    });

  campaigns
    .command('edit <id> [file]')
    .description('a new version: from FILE (with expectedVersion), or the current one edited in $EDITOR')
    .action(async (id: string, file?: string) => {
      if (file) {
        out(await put(env, id, readJsonFile(file)));
        return;
      }
      const edited = editInEditor(env, editable(await history(env, id)), id);
      out(edited === undefined ? `unchanged ${id}: nothing saved\n` : await put(env, id, edited));
    });

  for (const action of ['pause', 'resume', 'archive'] as const) {
    campaigns
      .command(`${action} <id>`)
      .description(`${action} a campaign (its definition and version are unchanged)`)
      .action(async (id: string) => {
        const answer = await request(env, 'POST', `/campaigns/${encodeURIComponent(id)}/${action}`);
        if (answer.status === 404) throw new Error(`no campaign ${id}`);
        if (answer.status === 409) throw new Error(messageOf(answer.body, `campaign ${id} is archived`));
        out(`${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'archived'} ${id}\n`);
      });
  }

  campaigns
    .command('apply <file>')
    .description(
      'create or version every campaign of a JSON file (a list, or {"campaigns": [...]}); idempotent',
    )
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const content = readJsonFile(file);
      const list = Array.isArray(content) ? content : (content as { campaigns?: unknown } | null)?.campaigns;
      const answer = await request(env, 'POST', '/campaigns/apply', { campaigns: list });
      if (answer.status !== 200) throw new Error(messageOf(answer.body, `the API answered ${answer.status}`));
      const { steps } = answer.body as { steps: Step[] };
      out(opts.json ? `${JSON.stringify(steps, null, 2)}\n` : formatSteps(steps));
      if (steps.some((s) => s.outcome !== 'saved')) process.exitCode = 1;
    });
}
