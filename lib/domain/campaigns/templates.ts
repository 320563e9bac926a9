import { Liquid, type Template } from 'liquidjs';

// Message templates: liquid, rendered by us (never by the provider), with the person's own data.
//
// - HTML output escapes every value (`outputEscape: 'escape'`): a first name of `<b>Ana</b>` is shown
//   as text, never as markup. The plain-text and SMS versions are rendered without escaping.
// - strictVariables: rendering a name that is not in the context throws instead of printing "".
// - Every global name a template uses is checked against TEMPLATE_FIELDS when the config is loaded
//   (synth, `npm start`: checked-campaigns.ts), so `{{ customer.fristName }}` fails the deploy naming the
//   template and the field, not a send at 9 a.m. on someone's birthday.

/**
 * What a template may use. `true` marks a leaf (a string, or null when the person has none, such as
 * an offer); nested objects list their own fields. Keep in sync with TemplateContext.
 */
export const TEMPLATE_FIELDS = {
  customer: { firstName: true, lastName: true, locale: true, timeZone: true },
  campaign: { id: true, name: true },
  occasion: { key: true, date: true },
  offer: { code: true, description: true },
  product: { sku: true, category: true },
  brand: { name: true },
  unsubscribeUrl: true,
  manageUrl: true,
  /** After-order campaigns only (checked-campaigns.ts): `scoreLinks` is a list of `{ score, url }`. */
  survey: { scoreLinks: true, commentUrl: true },
} as const;

/** The values a template is rendered with: see TEMPLATE_FIELDS. */
export interface TemplateContext {
  customer: { firstName: string; lastName: string | null; locale: string; timeZone: string };
  campaign: { id: string; name: string };
  /** The occasion's key (e.g. `2026` for a birthday) and the local date it is celebrated on. */
  occasion: { key: string; date: string };
  /** The offer for the person's segment (or the campaign's default offer), null when there is none. */
  offer: { code: string; description: string } | null;
  /** The product the person buys again (repurchase), null when unknown. */
  product: { sku: string; category: string } | null;
  brand: { name: string };
  unsubscribeUrl: string;
  /** The signed link to the person's manage-your-details page (preference centre); null in texts. */
  manageUrl: string | null;
  /**
   * The post-purchase survey's signed links (survey-links.ts), in an after-order campaign; null in
   * any other. `scoreLinks`: one per score, 1 to 5 in order (`{% for link in survey.scoreLinks %}`);
   * `commentUrl`: the same page with no score chosen, to add a comment.
   */
  survey: { scoreLinks: { score: number; url: string }[]; commentUrl: string } | null;
}

type FieldTree = { readonly [name: string]: true | FieldTree };

export type TemplateKind = 'html' | 'text';

// Made on first use: a module without top-level effects lets esbuild drop liquidjs (~82 KB) from
// bundles that import this file's neighbours but never render (customers-api needs productOf only).
const engines: Partial<Record<TemplateKind, Liquid>> = {};
const engineFor = (kind: TemplateKind): Liquid => {
  let engine = engines[kind];
  if (!engine) {
    engine = new Liquid({
      ...(kind === 'html' && { outputEscape: 'escape' as const }),
      strictVariables: true,
      strictFilters: true,
    });
    // `raw` would print a value unescaped into HTML: with it unregistered (and strict filters) a
    // template using it does not parse, so it is refused at save time and never rendered.
    if (kind === 'html') engine.unregisterFilter('raw');
    engines[kind] = engine;
  }
  return engine;
};

const UNESCAPED = /^undefined filter: raw\b/;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly code = 'invalid_template';
}

/** Parses a template and lists its problems: syntax errors and fields outside TEMPLATE_FIELDS. */
export function templateProblems(source: string, kind: TemplateKind = 'text'): string[] {
  const engine = engineFor(kind);
  let parsed: Template[];
  try {
    parsed = engine.parse(source);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    if (kind === 'html' && UNESCAPED.test(message)) {
      return ['must not use the raw filter: it would put the value into the HTML unescaped'];
    }
    return [`does not parse: ${message}`];
  }
  const problems = new Set<string>();
  for (const segments of engine.globalVariableSegmentsSync(parsed)) {
    const path = segments.map(String).join('.');
    if (!knownPath(TEMPLATE_FIELDS, segments.map(String))) problems.add(`unknown field ${path}`);
  }
  return [...problems];
}

/** Whether a template that parses uses the global `name` (e.g. `survey`) anywhere. */
export function usesField(source: string, kind: TemplateKind, name: string): boolean {
  const engine = engineFor(kind);
  try {
    return engine.globalVariableSegmentsSync(engine.parse(source)).some((segments) => segments[0] === name);
  } catch {
    return false; // a template that does not parse is reported by templateProblems
  }
}

function knownPath(tree: FieldTree, segments: string[]): boolean {
  let node: true | FieldTree = tree;
  for (const segment of segments) {
    // A leaf has no fields; a string's `size` and the like are not something templates need.
    if (node === true || !Object.hasOwn(node, segment)) return false;
    node = node[segment] as true | FieldTree;
  }
  return true;
}

const cache = new Map<string, Template[]>();

/** Renders a validated template. HTML escapes every output; text does not. */
export function renderTemplate(source: string, context: TemplateContext, kind: TemplateKind): string {
  const engine = engineFor(kind);
  const key = `${kind}\u0000${source}`;
  let parsed = cache.get(key);
  if (!parsed) {
    parsed = engine.parse(source);
    cache.set(key, parsed);
  }
  return engine.renderSync(parsed, context as unknown as Record<string, unknown>) as string;
}
