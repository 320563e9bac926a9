import { randomUUID } from 'node:crypto';
import type { AsyncInvoker } from './async-invoke';
import { DEFAULT_ASYNC_RETRY } from './async-invoke';
import { type CompiledPattern, compileEventPattern } from './event-pattern';
import type { LocalFunction } from './lambda-host';
import type { LocalQueue } from './sqs';
import { LOCAL_ACCOUNT, LOCAL_REGION, type RetrySettings, type RuleModel } from './template';

// An in-process EventBridge: PutEvents (awsJson1.1, as the installed
// @aws-sdk/client-eventbridge sends it) builds the event EventBridge would deliver, matches it
// against the templates' rules for that bus and invokes each target function asynchronously.

export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

type LocalTarget = { input?: string; inputPath?: string } & (
  | { fn: LocalFunction; settings: RetrySettings }
  | { queue: LocalQueue; messageGroupId?: string }
);

interface LocalRule {
  model: RuleModel;
  matches: CompiledPattern;
  targets: LocalTarget[];
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

const isoSeconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/** `$.detail.orderId`-style paths, which is what InputPath uses in practice. */
const selectPath = (event: unknown, path: string): unknown => {
  if (path === '$') return event;
  if (!path.startsWith('$.')) throw new Error(`InputPath ${path} is not supported locally`);
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined,
      event,
    );
};

export interface EventBusOptions {
  rules: RuleModel[];
  busNames: string[];
  functions: ReadonlyMap<string, LocalFunction>;
  queues?: ReadonlyMap<string, LocalQueue>;
  asyncConfigs: ReadonlyMap<string, RetrySettings>;
  invoker: AsyncInvoker;
  log: (line: string) => void;
}

export class EventBus {
  private readonly rules: LocalRule[];
  private readonly buses: Set<string>;
  private readonly recent: { event: BusEvent; bus: string; rules: string[] }[] = [];

  constructor(private readonly options: EventBusOptions) {
    this.buses = new Set(['default', ...options.busNames]);
    this.rules = options.rules.map((model) => ({
      model,
      matches: compileEventPattern(model.pattern),
      targets: model.targets.map((target): LocalTarget => {
        const shaping = {
          ...(target.input !== undefined ? { input: target.input } : {}),
          ...(target.inputPath !== undefined ? { inputPath: target.inputPath } : {}),
        };
        if (target.kind === 'queue') {
          const queue = options.queues?.get(target.queueKey);
          if (!queue) throw new Error(`Rule ${model.id.key}: queue ${target.queueKey} is not loaded`);
          return {
            ...shaping,
            queue,
            ...(target.messageGroupId ? { messageGroupId: target.messageGroupId } : {}),
          };
        }
        const fn = options.functions.get(target.functionKey);
        if (!fn) throw new Error(`Rule ${model.id.key}: function ${target.functionKey} is not loaded`);
        return {
          ...shaping,
          fn,
          settings: options.asyncConfigs.get(target.functionKey) ?? DEFAULT_ASYNC_RETRY,
        };
      }),
    }));
  }

  /** The latest events put on any bus, newest first, with the rules they matched. */
  recentEvents(): { event: BusEvent; bus: string; rules: string[] }[] {
    return [...this.recent].reverse();
  }

  /** Publishes one event as PutEvents would; resolves once every target invocation is queued. */
  publish(bus: string, event: BusEvent): string[] {
    const matched: string[] = [];
    for (const rule of this.rules) {
      if (rule.model.busName !== bus || !rule.matches(event)) continue;
      matched.push(rule.model.name);
      for (const target of rule.targets) {
        const payload =
          target.input !== undefined
            ? JSON.parse(target.input)
            : target.inputPath !== undefined
              ? selectPath(event, target.inputPath)
              : event;
        if ('queue' in target) {
          try {
            target.queue.send({
              body: JSON.stringify(payload),
              ...(target.messageGroupId ? { groupId: target.messageGroupId, deduplicationId: event.id } : {}),
            });
          } catch (error) {
            // EventBridge reports a failed delivery in its metrics, not to the PutEvents caller.
            this.options.log(
              `[bus ${bus}] rule ${rule.model.name} → queue ${target.queue.name}: ${String(error)}`,
            );
          }
          continue;
        }
        void this.options.invoker.invoke({
          fn: target.fn,
          event: payload,
          source: `rule ${rule.model.name}`,
          eventId: event.id,
          detailType: event['detail-type'],
          settings: target.settings,
        });
      }
    }
    this.recent.push({ event, bus, rules: matched });
    if (this.recent.length > 200) this.recent.shift();
    return matched;
  }

  handle(target: string, body: unknown): JsonResponse {
    if (target !== 'AWSEvents.PutEvents') {
      return {
        status: 400,
        body: { __type: 'UnknownOperationException', message: `${target} is not emulated locally` },
      };
    }
    const entries = (body as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      return {
        status: 400,
        body: { __type: 'ValidationException', message: `Entries must hold 1 to ${MAX_ENTRIES} events` },
      };
    }
    let failed = 0;
    const results = entries.map((raw: unknown) => {
      const result = this.putEntry(raw);
      if ('ErrorCode' in result) failed++;
      return result;
    });
    return { status: 200, body: { FailedEntryCount: failed, Entries: results } };
  }

  private putEntry(raw: unknown): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const { Source, DetailType, Detail } = entry;
    if (typeof Source !== 'string' || typeof DetailType !== 'string' || typeof Detail !== 'string') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameters Source, DetailType and Detail are required.',
      };
    }
    if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Entry exceeds 256 KB.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(Detail);
    } catch {
      // EventBridge reports malformed Detail as an entry error rather than failing the call.
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const busName =
      typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default';
    const bus = busName.includes(':event-bus/') ? (busName.split(':event-bus/')[1] ?? busName) : busName;
    if (!this.buses.has(bus)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    }
    const time =
      typeof entry.Time === 'number'
        ? new Date(entry.Time * 1000)
        : typeof entry.Time === 'string'
          ? new Date(entry.Time)
          : new Date();
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': DetailType,
      source: Source,
      account: LOCAL_ACCOUNT,
      time: isoSeconds(Number.isNaN(time.getTime()) ? new Date() : time),
      region: LOCAL_REGION,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail,
    };
    this.publish(bus, event);
    return { EventId: event.id };
  }
}
