import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  paginateListTables,
  type StreamViewType,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';

// The synthesized CloudFormation templates are the single source of truth for the local
// runtime: this module turns them into a typed model (what to create, what to run, how it is
// wired) and resolves the intrinsics the runtime needs to fill in environment variables.

export type CfnTemplate = {
  Resources?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  [key: string]: unknown;
};

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata: Record<string, unknown>;
}

/** A resource by stack and logical id; `key` is `<stack>/<logicalId>`. */
export interface ResourceId {
  stack: string;
  logicalId: string;
  key: string;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly code = 'TemplateError';
}

type Json = unknown;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describe = (value: Json): string => {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** Construct id from `aws:cdk:path` (`PrecisData/Customers/Resource` → `Customers`). */
export const constructIdOf = (logicalId: string, resource: CfnResource): string => {
  const path = resource.Metadata['aws:cdk:path'];
  if (typeof path === 'string') {
    const segments = path.split('/');
    const last = segments.at(-1);
    const id = last === 'Resource' || last === 'Default' ? segments.at(-2) : last;
    if (id) return id;
  }
  // Without path metadata, CDK logical ids are the construct path plus an 8-hex hash.
  return logicalId.replace(/[0-9A-F]{8}$/, '') || logicalId;
};

// ---------------------------------------------------------------------------------------------
// Template set: resource lookup, export resolution, reference following, string resolution.
// ---------------------------------------------------------------------------------------------

export interface ResourceTarget {
  id: ResourceId;
  resource: CfnResource;
  /** `Ref` for a Ref, otherwise the GetAtt attribute name. */
  attribute: string;
}

/** Supplies the local value of `Ref`/`Fn::GetAtt` for a resource. */
export type AttributeResolver = (target: ResourceTarget) => string;

export class TemplateSet {
  readonly stacks: string[];
  private readonly resources = new Map<string, CfnResource>();
  private readonly exports = new Map<string, { stack: string; value: Json }>();
  private readonly parameters = new Map<string, Record<string, unknown>>();

  constructor(templates: Record<string, CfnTemplate>) {
    this.stacks = Object.keys(templates).sort();
    for (const stack of this.stacks) {
      const template = templates[stack];
      if (!isRecord(template)) throw new TemplateError(`Template ${stack} is not an object`);
      const resources = template.Resources ?? {};
      for (const [logicalId, raw] of Object.entries(resources)) {
        if (!isRecord(raw) || typeof raw.Type !== 'string') {
          throw new TemplateError(`${stack}/${logicalId}: resource has no Type`);
        }
        this.resources.set(`${stack}/${logicalId}`, {
          Type: raw.Type,
          Properties: isRecord(raw.Properties) ? raw.Properties : {},
          Metadata: isRecord(raw.Metadata) ? raw.Metadata : {},
        });
      }
      for (const [name, output] of Object.entries(template.Outputs ?? {})) {
        if (!isRecord(output) || !isRecord(output.Export)) continue;
        const exportName = output.Export.Name;
        if (typeof exportName !== 'string') {
          throw new TemplateError(`${stack}: output ${name} has a non-literal export name`);
        }
        if (this.exports.has(exportName)) throw new TemplateError(`Export ${exportName} is defined twice`);
        this.exports.set(exportName, { stack, value: output.Value });
      }
      this.parameters.set(stack, isRecord(template.Parameters) ? template.Parameters : {});
    }
  }

  *all(type?: string): Generator<{ id: ResourceId; resource: CfnResource }> {
    for (const [key, resource] of this.resources) {
      if (type !== undefined && resource.Type !== type) continue;
      const slash = key.indexOf('/');
      yield { id: { stack: key.slice(0, slash), logicalId: key.slice(slash + 1), key }, resource };
    }
  }

  get(id: ResourceId): CfnResource {
    const resource = this.resources.get(id.key);
    if (!resource) throw new TemplateError(`No resource ${id.key}`);
    return resource;
  }

  private idOf(stack: string, logicalId: string): ResourceId | undefined {
    const key = `${stack}/${logicalId}`;
    return this.resources.has(key) ? { stack, logicalId, key } : undefined;
  }

  private importValue(name: Json, stack: string, resolve: AttributeResolver): { stack: string; value: Json } {
    const exportName = typeof name === 'string' ? name : this.resolveString(name, stack, resolve);
    const found = this.exports.get(exportName);
    if (!found) throw new TemplateError(`Fn::ImportValue ${exportName}: no template exports it`);
    return found;
  }

  /**
   * Follows Ref / Fn::GetAtt / Fn::ImportValue (and alias indirection) to the resources a value
   * points at, e.g. an IntegrationUri to its function or an EventSourceArn to its table.
   */
  targets(value: Json, stack: string): ResourceTarget[] {
    const found: ResourceTarget[] = [];
    const walk = (node: Json, inStack: string): void => {
      if (Array.isArray(node)) {
        for (const item of node) walk(item, inStack);
        return;
      }
      if (!isRecord(node)) return;
      if (typeof node.Ref === 'string') {
        const id = this.idOf(inStack, node.Ref);
        if (id) found.push({ id, resource: this.get(id), attribute: 'Ref' });
        return;
      }
      const getAtt = node['Fn::GetAtt'];
      if (getAtt !== undefined) {
        const [logicalId, attribute] = parseGetAtt(getAtt);
        const id = this.idOf(inStack, logicalId);
        if (id) found.push({ id, resource: this.get(id), attribute });
        return;
      }
      const imported = node['Fn::ImportValue'];
      if (imported !== undefined && typeof imported === 'string') {
        const exported = this.exports.get(imported);
        if (exported) walk(exported.value, exported.stack);
        return;
      }
      for (const child of Object.values(node)) walk(child, inStack);
    };
    walk(value, stack);
    return found;
  }

  /** The single resource of one of `types` that a value refers to, or a clear error. */
  targetOf(value: Json, stack: string, types: string[], what: string): ResourceTarget {
    const matches = this.targets(value, stack).flatMap((target) => {
      if (target.resource.Type === 'AWS::Lambda::Alias' || target.resource.Type === 'AWS::Lambda::Version') {
        return this.targets(target.resource.Properties.FunctionName, target.id.stack);
      }
      return [target];
    });
    const match = matches.find((target) => types.includes(target.resource.Type));
    if (!match) {
      throw new TemplateError(`${what}: ${describe(value)} does not refer to a ${types.join(' or ')}`);
    }
    return match;
  }

  /** Resolves a value to a string, asking `resolve` for resource attributes. */
  resolveString(value: Json, stack: string, resolve: AttributeResolver): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (!isRecord(value)) throw new TemplateError(`cannot resolve ${describe(value)}`);
    const keys = Object.keys(value);
    if (keys.length !== 1) throw new TemplateError(`cannot resolve ${describe(value)}`);
    const [fn] = keys as [string];
    const arg = value[fn];
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg), stack, resolve);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = parseGetAtt(arg);
        const id = this.idOf(stack, logicalId);
        if (!id) throw new TemplateError(`Fn::GetAtt: no resource ${logicalId} in ${stack}`);
        return resolve({ id, resource: this.get(id), attribute });
      }
      case 'Fn::ImportValue': {
        const exported = this.importValue(arg, stack, resolve);
        return this.resolveString(exported.value, exported.stack, resolve);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
          throw new TemplateError(`malformed Fn::Join ${describe(arg)}`);
        }
        const separator = arg[0];
        return arg[1].map((part: Json) => this.resolveString(part, stack, resolve)).join(separator);
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) throw new TemplateError(`malformed Fn::Select`);
        const index = Number(this.resolveString(arg[0], stack, resolve));
        const list = arg[1];
        if (!Array.isArray(list))
          throw new TemplateError(`Fn::Select over a non-literal list is not supported`);
        const picked: Json = list[index];
        if (picked === undefined) throw new TemplateError(`Fn::Select index ${index} out of range`);
        return this.resolveString(picked, stack, resolve);
      }
      case 'Fn::Sub':
        return this.sub(arg, stack, resolve);
      default:
        throw new TemplateError(`unsupported intrinsic ${fn} in ${describe(value)}`);
    }
  }

  private ref(name: string, stack: string, resolve: AttributeResolver): string {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack;
    }
    const id = this.idOf(stack, name);
    if (id) return resolve({ id, resource: this.get(id), attribute: 'Ref' });
    const parameter = this.parameters.get(stack)?.[name];
    if (isRecord(parameter) && typeof parameter.Default === 'string') return parameter.Default;
    throw new TemplateError(`Ref: no resource or parameter ${name} in ${stack}`);
  }

  private sub(arg: Json, stack: string, resolve: AttributeResolver): string {
    const [text, variables] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, {}];
    if (typeof text !== 'string' || !isRecord(variables)) throw new TemplateError(`malformed Fn::Sub`);
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
      if (literal) return `\${${name}}`;
      if (name in variables) return this.resolveString(variables[name], stack, resolve);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) {
        return this.resolveString(
          { 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] },
          stack,
          resolve,
        );
      }
      return this.ref(name, stack, resolve);
    });
  }
}

const parseGetAtt = (arg: Json): [string, string] => {
  if (Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string') return [arg[0], arg[1]];
  if (typeof arg === 'string' && arg.includes('.')) {
    const dot = arg.indexOf('.');
    return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  throw new TemplateError(`malformed Fn::GetAtt ${describe(arg)}`);
};

// ---------------------------------------------------------------------------------------------
// The local model.
// ---------------------------------------------------------------------------------------------

export interface TableModel {
  id: ResourceId;
  /** Local name before the prefix: the construct id. */
  baseName: string;
  /** CreateTableInput without TableName (which depends on the prefix). */
  definition: Omit<CreateTableInput, 'TableName'>;
  streamViewType?: string;
}

export interface FunctionModel {
  id: ResourceId;
  name: string;
  /** Repo-relative handler module (`Metadata["precis:entry"]`). */
  entry: string;
  environment: Record<string, Json>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface StreamMappingModel {
  id: ResourceId;
  functionKey: string;
  tableKey: string;
  enabled: boolean;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  startingPosition: string;
  /** -1 = retry until the record expires. */
  maxRetryAttempts: number;
  bisectOnError: boolean;
  /** -1 = no limit (the stream's 24 h retention). */
  maxRecordAgeSeconds: number;
  reportBatchItemFailures: boolean;
  /** Parsed `FilterCriteria.Filters[].Pattern`s; a record passes when any matches. */
  filters: unknown[];
  /** Local description of the on-failure destination (logical key), if any. */
  onFailure?: string;
}

export interface QueueModel {
  id: ResourceId;
  name: string;
  fifo: boolean;
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  /** From RedrivePolicy: after maxReceiveCount receives a message moves to the dead-letter queue. */
  redrive?: { deadLetterQueueKey: string; maxReceiveCount: number };
}

export interface QueueMappingModel {
  id: ResourceId;
  functionKey: string;
  queueKey: string;
  enabled: boolean;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  filters: unknown[];
  /** ScalingConfig.MaximumConcurrency; how many batches are in flight at once. */
  maxConcurrency: number;
}

export interface RouteModel {
  id: ResourceId;
  apiKey: string;
  routeKey: string;
  /** `GET`, `ANY`, … or `$default`. */
  method: string;
  path: string;
  authorizationType: string;
  functionKey: string;
  payloadFormatVersion: string;
}

export interface CorsModel {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAge?: number;
}

export interface ApiModel {
  id: ResourceId;
  name: string;
  cors?: CorsModel;
}

export interface RetrySettings {
  maxRetryAttempts: number;
  maxEventAgeSeconds: number;
  onFailure?: string;
}

export interface RuleModel {
  id: ResourceId;
  name: string;
  /** Local bus name (`default` when the rule names none). */
  busName: string;
  pattern: unknown;
  targets: RuleTarget[];
}

export type RuleTarget = { targetId: string; input?: string; inputPath?: string } & (
  | { kind: 'function'; functionKey: string }
  | { kind: 'queue'; queueKey: string; messageGroupId?: string }
);

export interface ScheduleModel {
  id: ResourceId;
  name: string;
  kind: 'scheduler' | 'rule';
  expression: string;
  timezone: string;
  functionKey: string;
  input?: string;
}

export interface BusModel {
  id: ResourceId;
  name: string;
}

/** An SES configuration set's EventBridge event destination (AWS::SES::ConfigurationSetEventDestination). */
export interface SesEventDestinationModel {
  id: ResourceId;
  configurationSet: string;
  /** MatchingEventTypes as in the template (`SEND`, `BOUNCE`, …). */
  eventTypes: string[];
  /** Local bus name (SES publishes to the account's default bus). */
  busName: string;
}

/**
 * An End User Messaging SMS configuration set's SNS event destination
 * (AWS::SMSVOICE::ConfigurationSet EventDestinations) and the functions subscribed to its topic
 * (AWS::SNS::Subscription, protocol `lambda`): the local SMS stand-in delivers the events to them.
 */
export interface SmsEventDestinationModel {
  id: ResourceId;
  configurationSet: string;
  /** MatchingEventTypes as in the template (`TEXT_SUCCESSFUL`, `TEXT_ALL`, `ALL`, …). */
  eventTypes: string[];
  topicArn: string;
  functionKeys: string[];
}

export interface LocalModel {
  set: TemplateSet;
  tables: TableModel[];
  functions: FunctionModel[];
  streamMappings: StreamMappingModel[];
  queues: QueueModel[];
  queueMappings: QueueMappingModel[];
  apis: ApiModel[];
  routes: RouteModel[];
  buses: BusModel[];
  rules: RuleModel[];
  schedules: ScheduleModel[];
  /** Async-invocation settings per function key (AWS::Lambda::EventInvokeConfig). */
  asyncConfigs: Map<string, RetrySettings>;
  /** Enabled SES event destinations that publish to EventBridge (the local SES stand-in emits them). */
  sesEventDestinations: SesEventDestinationModel[];
  /** Enabled SMS event destinations to SNS topics with Lambda subscribers (the SMS stand-in emits them). */
  smsEventDestinations: SmsEventDestinationModel[];
  /** Wiring the local runtime does not emulate, to be logged once at startup. */
  notes: string[];
}

const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];
const QUEUE_TYPE = 'AWS::SQS::Queue';

const isTrue = (value: Json): boolean => value === true || value === 'true';

/** QueueName, or the construct id (with the `.fifo` suffix AWS requires for FIFO queues). */
export const queueNameOf = (logicalId: string, resource: CfnResource): string => {
  const literal = resource.Properties.QueueName;
  if (typeof literal === 'string') return literal;
  const name = constructIdOf(logicalId, resource);
  return isTrue(resource.Properties.FifoQueue) && !name.endsWith('.fifo') ? `${name}.fifo` : name;
};
const FUNCTION_TYPE = 'AWS::Lambda::Function';

const num = (value: Json, fallback: number, what: string): number => {
  if (value === undefined) return fallback;
  const parsed = typeof value === 'string' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed))
    throw new TemplateError(`${what}: not a number`);
  return parsed;
};

const literalString = (value: Json, what: string): string => {
  if (typeof value !== 'string')
    throw new TemplateError(`${what}: expected a literal string, got ${describe(value)}`);
  return value;
};

const stringList = (value: Json): string[] => (Array.isArray(value) ? value.map((item) => String(item)) : []);

const literalName = (resource: CfnResource, property: string): string | undefined => {
  const value = resource.Properties[property];
  return typeof value === 'string' ? value : undefined;
};

const tableModel = (id: ResourceId, resource: CfnResource): TableModel => {
  const p = resource.Properties;
  const what = `Table ${id.key}`;
  const keySchema = p.KeySchema as KeySchemaElement[] | undefined;
  if (!Array.isArray(keySchema)) throw new TemplateError(`${what}: no KeySchema`);
  const billingMode = typeof p.BillingMode === 'string' ? p.BillingMode : 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  const throughput = (value: Json) => {
    const t = isRecord(value) ? value : {};
    return {
      ReadCapacityUnits: num(t.ReadCapacityUnits, 5, `${what} ReadCapacityUnits`),
      WriteCapacityUnits: num(t.WriteCapacityUnits, 5, `${what} WriteCapacityUnits`),
    };
  };
  const gsis = Array.isArray(p.GlobalSecondaryIndexes)
    ? (p.GlobalSecondaryIndexes as Record<string, unknown>[]).map(
        (gsi): GlobalSecondaryIndex => ({
          IndexName: literalString(gsi.IndexName, `${what} GSI name`),
          KeySchema: gsi.KeySchema as KeySchemaElement[],
          Projection: gsi.Projection as GlobalSecondaryIndex['Projection'],
          ...(provisioned ? { ProvisionedThroughput: throughput(gsi.ProvisionedThroughput) } : {}),
        }),
      )
    : undefined;
  const lsis = Array.isArray(p.LocalSecondaryIndexes)
    ? (p.LocalSecondaryIndexes as Record<string, unknown>[]).map(
        (lsi): LocalSecondaryIndex => ({
          IndexName: literalString(lsi.IndexName, `${what} LSI name`),
          KeySchema: lsi.KeySchema as KeySchemaElement[],
          Projection: lsi.Projection as LocalSecondaryIndex['Projection'],
        }),
      )
    : undefined;
  const stream = isRecord(p.StreamSpecification) ? p.StreamSpecification.StreamViewType : undefined;
  const streamViewType = typeof stream === 'string' ? stream : undefined;
  return {
    id,
    baseName: constructIdOf(id.logicalId, resource),
    streamViewType,
    definition: {
      KeySchema: keySchema,
      AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
      BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      ...(provisioned ? { ProvisionedThroughput: throughput(p.ProvisionedThroughput) } : {}),
      ...(gsis ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(lsis ? { LocalSecondaryIndexes: lsis } : {}),
      ...(streamViewType
        ? {
            StreamSpecification: {
              StreamEnabled: true,
              StreamViewType: streamViewType as 'NEW_AND_OLD_IMAGES',
            },
          }
        : {}),
    },
  };
};

const corsModel = (value: Json): CorsModel | undefined => {
  if (!isRecord(value)) return undefined;
  return {
    allowOrigins: stringList(value.AllowOrigins),
    allowMethods: stringList(value.AllowMethods).map((m) => m.toUpperCase()),
    allowHeaders: stringList(value.AllowHeaders).map((h) => h.toLowerCase()),
    exposeHeaders: stringList(value.ExposeHeaders).map((h) => h.toLowerCase()),
    allowCredentials: value.AllowCredentials === true || value.AllowCredentials === 'true',
    ...(value.MaxAge !== undefined ? { maxAge: num(value.MaxAge, 0, 'CORS MaxAge') } : {}),
  };
};

const parseFilterPattern = (pattern: Json, what: string): unknown => {
  if (isRecord(pattern)) return pattern;
  if (typeof pattern !== 'string') throw new TemplateError(`${what}: filter pattern is not a string`);
  try {
    return JSON.parse(pattern);
  } catch (error) {
    throw new TemplateError(`${what}: filter pattern is not JSON`, { cause: error });
  }
};

/** Builds the local model from a set of templates (several stacks, cross-stack imports). */
export const buildLocalModel = (templates: Record<string, CfnTemplate>): LocalModel => {
  const set = new TemplateSet(templates);
  const notes: string[] = [];

  const tables = [...TABLE_TYPES.flatMap((type) => [...set.all(type)])].map(({ id, resource }) =>
    tableModel(id, resource),
  );
  for (const { id, resource } of TABLE_TYPES.flatMap((type) => [...set.all(type)])) {
    const ttl = resource.Properties.TimeToLiveSpecification;
    if (isRecord(ttl) && isTrue(ttl.Enabled)) {
      notes.push(`Table ${id.key}: TTL deletes (DynamoDB Local does not expire items like AWS does)`);
    }
  }
  const byName = new Map<string, string>();
  for (const table of tables) {
    const other = byName.get(table.baseName);
    if (other)
      throw new TemplateError(`Tables ${other} and ${table.id.key} share the local name ${table.baseName}`);
    byName.set(table.baseName, table.id.key);
  }

  const functions: FunctionModel[] = [];
  for (const { id, resource } of set.all(FUNCTION_TYPE)) {
    const entry = resource.Metadata['precis:entry'];
    if (typeof entry !== 'string') continue; // CDK-internal functions (custom resources) run only in AWS.
    const variables = isRecord(resource.Properties.Environment)
      ? resource.Properties.Environment.Variables
      : undefined;
    functions.push({
      id,
      name: literalName(resource, 'FunctionName') ?? constructIdOf(id.logicalId, resource),
      entry,
      environment: isRecord(variables) ? variables : {},
      timeoutSeconds: num(resource.Properties.Timeout, 3, `${id.key} Timeout`),
      memoryMb: num(resource.Properties.MemorySize, 128, `${id.key} MemorySize`),
    });
  }
  const functionKeys = new Set(functions.map((fn) => fn.id.key));
  const localFunction = (value: Json, stack: string, what: string): string => {
    const target = set.targetOf(value, stack, [FUNCTION_TYPE], what);
    if (!functionKeys.has(target.id.key)) {
      throw new TemplateError(`${what}: function ${target.id.key} has no Metadata["precis:entry"]`);
    }
    return target.id.key;
  };
  const destination = (value: Json, stack: string): string | undefined => {
    const target = value === undefined ? undefined : set.targets(value, stack)[0];
    return target ? `${target.resource.Type} ${target.id.key}` : undefined;
  };

  const queues: QueueModel[] = [...set.all(QUEUE_TYPE)].map(({ id, resource }) => {
    const p = resource.Properties;
    const what = `Queue ${id.key}`;
    const redrive = isRecord(p.RedrivePolicy) ? p.RedrivePolicy : undefined;
    const deadLetter = redrive
      ? set.targetOf(redrive.deadLetterTargetArn, id.stack, [QUEUE_TYPE], `${what} RedrivePolicy`)
      : undefined;
    return {
      id,
      name: queueNameOf(id.logicalId, resource),
      fifo: isTrue(p.FifoQueue),
      visibilityTimeoutSeconds: num(p.VisibilityTimeout, 30, `${what} VisibilityTimeout`),
      delaySeconds: num(p.DelaySeconds, 0, `${what} DelaySeconds`),
      ...(redrive && deadLetter
        ? {
            redrive: {
              deadLetterQueueKey: deadLetter.id.key,
              maxReceiveCount: num(redrive.maxReceiveCount, 10, `${what} maxReceiveCount`),
            },
          }
        : {}),
    };
  });

  const streamMappings: StreamMappingModel[] = [];
  const queueMappings: QueueMappingModel[] = [];
  for (const { id, resource } of set.all('AWS::Lambda::EventSourceMapping')) {
    const p = resource.Properties;
    const what = `EventSourceMapping ${id.key}`;
    const source = set.targets(p.EventSourceArn, id.stack)[0];
    if (source?.resource.Type === QUEUE_TYPE) {
      const scaling = isRecord(p.ScalingConfig) ? p.ScalingConfig : {};
      queueMappings.push({
        id,
        functionKey: localFunction(p.FunctionName, id.stack, what),
        queueKey: source.id.key,
        enabled: p.Enabled !== false && p.Enabled !== 'false',
        batchSize: num(p.BatchSize, 10, `${what} BatchSize`),
        maxBatchingWindowSeconds: num(
          p.MaximumBatchingWindowInSeconds,
          0,
          `${what} MaximumBatchingWindowInSeconds`,
        ),
        reportBatchItemFailures: stringList(p.FunctionResponseTypes).includes('ReportBatchItemFailures'),
        filters:
          isRecord(p.FilterCriteria) && Array.isArray(p.FilterCriteria.Filters)
            ? (p.FilterCriteria.Filters as Json[]).map((filter) =>
                parseFilterPattern(isRecord(filter) ? filter.Pattern : undefined, what),
              )
            : [],
        maxConcurrency: num(scaling.MaximumConcurrency, 5, `${what} MaximumConcurrency`),
      });
      continue;
    }
    if (!source || !TABLE_TYPES.includes(source.resource.Type)) {
      notes.push(
        `${what}: source ${source ? source.resource.Type : describe(p.EventSourceArn)} is not emulated`,
      );
      continue;
    }
    const onFailure =
      isRecord(p.DestinationConfig) && isRecord(p.DestinationConfig.OnFailure)
        ? destination(p.DestinationConfig.OnFailure.Destination, id.stack)
        : undefined;
    const filters =
      isRecord(p.FilterCriteria) && Array.isArray(p.FilterCriteria.Filters)
        ? (p.FilterCriteria.Filters as Json[]).map((filter) =>
            parseFilterPattern(isRecord(filter) ? filter.Pattern : undefined, what),
          )
        : [];
    streamMappings.push({
      id,
      functionKey: localFunction(p.FunctionName, id.stack, what),
      tableKey: source.id.key,
      enabled: p.Enabled !== false && p.Enabled !== 'false',
      batchSize: num(p.BatchSize, 100, `${what} BatchSize`),
      maxBatchingWindowSeconds: num(
        p.MaximumBatchingWindowInSeconds,
        0,
        `${what} MaximumBatchingWindowInSeconds`,
      ),
      startingPosition: typeof p.StartingPosition === 'string' ? p.StartingPosition : 'TRIM_HORIZON',
      maxRetryAttempts: num(p.MaximumRetryAttempts, -1, `${what} MaximumRetryAttempts`),
      bisectOnError: p.BisectBatchOnFunctionError === true || p.BisectBatchOnFunctionError === 'true',
      maxRecordAgeSeconds: num(p.MaximumRecordAgeInSeconds, -1, `${what} MaximumRecordAgeInSeconds`),
      reportBatchItemFailures: stringList(p.FunctionResponseTypes).includes('ReportBatchItemFailures'),
      filters,
      ...(onFailure ? { onFailure } : {}),
    });
  }

  const apis: ApiModel[] = [...set.all('AWS::ApiGatewayV2::Api')].map(({ id, resource }) => {
    const cors = corsModel(resource.Properties.CorsConfiguration);
    return {
      id,
      name: literalName(resource, 'Name') ?? constructIdOf(id.logicalId, resource),
      ...(cors ? { cors } : {}),
    };
  });

  const routes: RouteModel[] = [];
  for (const { id, resource } of set.all('AWS::ApiGatewayV2::Route')) {
    const p = resource.Properties;
    const what = `Route ${id.key}`;
    const routeKey = literalString(p.RouteKey, `${what} RouteKey`);
    const api = set.targetOf(p.ApiId, id.stack, ['AWS::ApiGatewayV2::Api'], `${what} ApiId`);
    const integration = set.targetOf(
      p.Target,
      id.stack,
      ['AWS::ApiGatewayV2::Integration'],
      `${what} Target`,
    );
    const integrationProps = integration.resource.Properties;
    const [method, path] = routeKey === '$default' ? ['$default', '/'] : routeKey.split(' ', 2);
    if (!method || !path) throw new TemplateError(`${what}: malformed RouteKey ${routeKey}`);
    routes.push({
      id,
      apiKey: api.id.key,
      routeKey,
      method: method.toUpperCase() === '$DEFAULT' ? '$default' : method.toUpperCase(),
      path,
      authorizationType: typeof p.AuthorizationType === 'string' ? p.AuthorizationType : 'NONE',
      functionKey: localFunction(
        integrationProps.IntegrationUri,
        integration.id.stack,
        `${what} integration`,
      ),
      payloadFormatVersion: String(integrationProps.PayloadFormatVersion ?? '2.0'),
    });
  }

  const buses: BusModel[] = [...set.all('AWS::Events::EventBus')].map(({ id, resource }) => ({
    id,
    name: literalName(resource, 'Name') ?? constructIdOf(id.logicalId, resource),
  }));

  const busNameOf = (value: Json, stack: string): string => {
    if (value === undefined) return 'default';
    if (typeof value === 'string')
      return value.includes(':event-bus/') ? (value.split(':event-bus/')[1] ?? value) : value;
    const target = set.targetOf(value, stack, ['AWS::Events::EventBus'], 'EventBusName');
    return buses.find((bus) => bus.id.key === target.id.key)?.name ?? 'default';
  };
  const eventPattern = (value: Json, what: string): unknown => {
    const pattern = typeof value === 'string' ? parseFilterPattern(value, what) : value;
    if (!isRecord(pattern)) throw new TemplateError(`${what}: EventPattern is not an object`);
    return pattern;
  };

  const rules: RuleModel[] = [];
  const schedules: ScheduleModel[] = [];
  for (const { id, resource } of set.all('AWS::Events::Rule')) {
    const p = resource.Properties;
    const what = `Rule ${id.key}`;
    if (p.State === 'DISABLED') continue;
    const name = literalName(resource, 'Name') ?? constructIdOf(id.logicalId, resource);
    const targets: RuleModel['targets'] = [];
    for (const target of Array.isArray(p.Targets) ? (p.Targets as Json[]) : []) {
      if (!isRecord(target)) continue;
      const resolved = set.targets(target.Arn, id.stack)[0];
      const common = {
        targetId: String(target.Id ?? resolved?.id.logicalId),
        ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
        ...(typeof target.InputPath === 'string' ? { inputPath: target.InputPath } : {}),
      };
      if (resolved?.resource.Type === QUEUE_TYPE) {
        const group = isRecord(target.SqsParameters) ? target.SqsParameters.MessageGroupId : undefined;
        targets.push({
          ...common,
          kind: 'queue',
          queueKey: resolved.id.key,
          ...(typeof group === 'string' ? { messageGroupId: group } : {}),
        });
      } else if (resolved?.resource.Type === FUNCTION_TYPE) {
        targets.push({
          ...common,
          kind: 'function',
          functionKey: localFunction(target.Arn, id.stack, `${what} target`),
        });
      } else {
        notes.push(
          `${what}: target ${resolved ? resolved.resource.Type : describe(target.Arn)} is not emulated`,
        );
        continue;
      }
      if (target.InputTransformer !== undefined) notes.push(`${what}: InputTransformer is not emulated`);
    }
    if (typeof p.ScheduleExpression === 'string') {
      for (const target of targets) {
        if (target.kind !== 'function') {
          notes.push(`${what}: scheduled delivery to ${target.kind} ${target.queueKey} is not emulated`);
          continue;
        }
        schedules.push({
          id,
          name: targets.length > 1 ? `${name}/${target.targetId}` : name,
          kind: 'rule',
          expression: p.ScheduleExpression,
          timezone: 'UTC',
          functionKey: target.functionKey,
          ...(target.input !== undefined ? { input: target.input } : {}),
        });
      }
      continue;
    }
    rules.push({
      id,
      name,
      busName: busNameOf(p.EventBusName, id.stack),
      pattern: eventPattern(p.EventPattern, what),
      targets,
    });
  }

  for (const { id, resource } of set.all('AWS::Scheduler::Schedule')) {
    const p = resource.Properties;
    const what = `Schedule ${id.key}`;
    if (p.State === 'DISABLED') continue;
    const target = isRecord(p.Target) ? p.Target : {};
    const resolved = set.targets(target.Arn, id.stack)[0];
    if (!resolved || resolved.resource.Type !== FUNCTION_TYPE) {
      notes.push(
        `${what}: target ${resolved ? resolved.resource.Type : describe(target.Arn)} is not emulated`,
      );
      continue;
    }
    schedules.push({
      id,
      name: literalName(resource, 'Name') ?? constructIdOf(id.logicalId, resource),
      kind: 'scheduler',
      expression: literalString(p.ScheduleExpression, `${what} ScheduleExpression`),
      timezone: typeof p.ScheduleExpressionTimezone === 'string' ? p.ScheduleExpressionTimezone : 'UTC',
      functionKey: localFunction(target.Arn, id.stack, `${what} target`),
      ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
    });
  }

  const asyncConfigs = new Map<string, RetrySettings>();
  for (const { id, resource } of set.all('AWS::Lambda::EventInvokeConfig')) {
    const p = resource.Properties;
    const what = `EventInvokeConfig ${id.key}`;
    const functionKey = localFunction(p.FunctionName, id.stack, what);
    const onFailure =
      isRecord(p.DestinationConfig) && isRecord(p.DestinationConfig.OnFailure)
        ? destination(p.DestinationConfig.OnFailure.Destination, id.stack)
        : undefined;
    asyncConfigs.set(functionKey, {
      maxRetryAttempts: num(p.MaximumRetryAttempts, 2, `${what} MaximumRetryAttempts`),
      maxEventAgeSeconds: num(p.MaximumEventAgeInSeconds, 21_600, `${what} MaximumEventAgeInSeconds`),
      ...(onFailure ? { onFailure } : {}),
    });
  }

  const sesEventDestinations: SesEventDestinationModel[] = [];
  for (const { id, resource } of set.all('AWS::SES::ConfigurationSetEventDestination')) {
    const p = resource.Properties;
    const what = `ConfigurationSetEventDestination ${id.key}`;
    const destination = isRecord(p.EventDestination) ? p.EventDestination : {};
    if (!isTrue(destination.Enabled)) continue;
    const eventBridge = isRecord(destination.EventBridgeDestination)
      ? destination.EventBridgeDestination
      : undefined;
    if (!eventBridge) {
      notes.push(`${what}: only EventBridge destinations are emulated`);
      continue;
    }
    const busArn = set.resolveString(eventBridge.EventBusArn, id.stack, localAttribute({ tablePrefix: '' }));
    sesEventDestinations.push({
      id,
      configurationSet: set.resolveString(
        p.ConfigurationSetName,
        id.stack,
        localAttribute({ tablePrefix: '' }),
      ),
      eventTypes: stringList(destination.MatchingEventTypes).map((type) => type.toUpperCase()),
      busName: busNameOf(busArn, id.stack),
    });
  }

  // SNS topic key → the functions subscribed to it (protocol lambda).
  const subscribers = new Map<string, string[]>();
  for (const { id, resource } of set.all('AWS::SNS::Subscription')) {
    const p = resource.Properties;
    const what = `Subscription ${id.key}`;
    if (p.Protocol !== 'lambda') {
      notes.push(`${what}: protocol ${String(p.Protocol)} is not emulated`);
      continue;
    }
    const topic = set.targetOf(p.TopicArn, id.stack, ['AWS::SNS::Topic'], `${what} TopicArn`);
    const fn = localFunction(p.Endpoint, id.stack, `${what} Endpoint`);
    subscribers.set(topic.id.key, [...(subscribers.get(topic.id.key) ?? []), fn]);
  }
  const smsEventDestinations: SmsEventDestinationModel[] = [];
  for (const { id, resource } of set.all('AWS::SMSVOICE::ConfigurationSet')) {
    const p = resource.Properties;
    const what = `SMS ConfigurationSet ${id.key}`;
    const configurationSet = localAttribute({ tablePrefix: '' })({ id, resource, attribute: 'Ref' });
    for (const destination of Array.isArray(p.EventDestinations) ? (p.EventDestinations as Json[]) : []) {
      if (!isRecord(destination) || !isTrue(destination.Enabled)) continue;
      const sns = isRecord(destination.SnsDestination) ? destination.SnsDestination : undefined;
      if (!sns) {
        notes.push(`${what}: only SNS event destinations are emulated`);
        continue;
      }
      const topic = set.targetOf(sns.TopicArn, id.stack, ['AWS::SNS::Topic'], `${what} SnsDestination`);
      smsEventDestinations.push({
        id,
        configurationSet,
        eventTypes: stringList(destination.MatchingEventTypes).map((type) => type.toUpperCase()),
        topicArn: localAttribute({ tablePrefix: '' })({ ...topic, attribute: 'Ref' }),
        functionKeys: subscribers.get(topic.id.key) ?? [],
      });
    }
  }

  return {
    set,
    tables,
    functions,
    streamMappings,
    queues,
    queueMappings,
    apis,
    routes,
    buses,
    rules,
    schedules,
    asyncConfigs,
    sesEventDestinations,
    smsEventDestinations,
    notes,
  };
};

// ---------------------------------------------------------------------------------------------
// Local names and attribute values.
// ---------------------------------------------------------------------------------------------

export interface LocalNaming {
  tablePrefix: string;
  /** Table key → stream ARN, known once the tables exist. */
  streamArns?: ReadonlyMap<string, string>;
  /** Base URL of the local AWS endpoint (queue URLs point at it). */
  localAwsEndpoint?: string;
  /** Base URL of the local HTTP API (an HTTP API's ApiEndpoint: links in messages point at it). */
  apiEndpoint?: string;
}

export const tableName = (table: Pick<TableModel, 'baseName'>, prefix: string): string =>
  `${prefix}${table.baseName}`;

const arn = (service: string, resource: string): string =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;

/** The local value of a Ref/GetAtt, in the same format AWS uses. */
export const localAttribute =
  (naming: LocalNaming): AttributeResolver =>
  ({ id, resource, attribute }) => {
    const construct = constructIdOf(id.logicalId, resource);
    const named = (property: string) => literalName(resource, property) ?? construct;
    const unsupported = () =>
      new TemplateError(
        `${attribute === 'Ref' ? 'Ref' : `GetAtt .${attribute}`} of ${resource.Type} ${id.key} has no local value`,
      );
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const name = `${naming.tablePrefix}${construct}`;
        if (attribute === 'Ref' || attribute === 'TableName') return name;
        if (attribute === 'Arn') return arn('dynamodb', `table/${name}`);
        if (attribute === 'StreamArn') {
          const streamArn = naming.streamArns?.get(id.key);
          if (!streamArn) throw new TemplateError(`Table ${id.key} has no stream locally`);
          return streamArn;
        }
        throw unsupported();
      }
      case FUNCTION_TYPE: {
        const name = named('FunctionName');
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return arn('lambda', `function:${name}`);
        throw unsupported();
      }
      case QUEUE_TYPE: {
        const name = queueNameOf(id.logicalId, resource);
        const url = `${naming.localAwsEndpoint ?? 'http://localhost:4566'}/${LOCAL_ACCOUNT}/${name}`;
        if (attribute === 'Ref' || attribute === 'QueueUrl') return url;
        if (attribute === 'Arn') return arn('sqs', name);
        if (attribute === 'QueueName') return name;
        throw unsupported();
      }
      case 'AWS::SNS::Topic': {
        const name = named('TopicName');
        if (attribute === 'Ref' || attribute === 'TopicArn') return arn('sns', name);
        if (attribute === 'TopicName') return name;
        throw unsupported();
      }
      case 'AWS::Events::EventBus': {
        const name = named('Name');
        if (attribute === 'Ref' || attribute === 'Name') return name;
        if (attribute === 'Arn') return arn('events', `event-bus/${name}`);
        throw unsupported();
      }
      case 'AWS::Events::Rule': {
        const name = named('Name');
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return arn('events', `rule/${name}`);
        throw unsupported();
      }
      case 'AWS::Scheduler::ScheduleGroup':
      case 'AWS::Scheduler::Schedule': {
        const name = named('Name');
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return arn('scheduler', `schedule/default/${name}`);
        throw unsupported();
      }
      case 'AWS::S3::Bucket': {
        const name = named('BucketName').toLowerCase();
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return `arn:aws:s3:::${name}`;
        throw unsupported();
      }
      case 'AWS::SES::ConfigurationSet':
        if (attribute === 'Ref') return named('Name');
        throw unsupported();
      case 'AWS::SMSVOICE::ConfigurationSet': {
        const name = named('ConfigurationSetName');
        if (attribute === 'Ref' || attribute === 'ConfigurationSetName') return name;
        if (attribute === 'Arn') return arn('sms-voice', `configuration-set/${name}`);
        throw unsupported();
      }
      case 'AWS::ApiGatewayV2::Api':
        // Every HTTP API of the app is served by the one local HTTP server, on the port it bound.
        if (attribute === 'ApiEndpoint' && naming.apiEndpoint) return naming.apiEndpoint;
        throw unsupported();
      case 'AWS::SES::EmailIdentity':
        if (attribute === 'Ref') return named('EmailIdentity');
        throw unsupported();
      case 'AWS::SSM::Parameter': {
        if (attribute === 'Ref') return named('Name');
        const value = resource.Properties.Value;
        if (attribute === 'Value' && typeof value === 'string') return value;
        throw unsupported();
      }
      case 'AWS::SecretsManager::Secret': {
        // Local secrets (lib/local/secrets.ts) are found by this name; a generated value unless set.
        const name = named('Name');
        if (attribute === 'Ref' || attribute === 'Id') return arn('secretsmanager', `secret:${name}`);
        throw unsupported();
      }
      case 'AWS::IAM::Role': {
        const name = named('RoleName');
        if (attribute === 'Ref') return name;
        if (attribute === 'Arn') return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;
        throw unsupported();
      }
      default:
        throw unsupported();
    }
  };

/** Resolves a function's environment; an unresolvable variable fails naming it. */
export const resolveEnvironment = (
  model: LocalModel,
  fn: FunctionModel,
  naming: LocalNaming,
): Record<string, string> => {
  const resolve = localAttribute(naming);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    try {
      env[name] = model.set.resolveString(value, fn.id.stack, resolve);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TemplateError(`Function ${fn.name} (${fn.id.key}): environment variable ${name}: ${reason}`, {
        cause: error,
      });
    }
  }
  return env;
};

// ---------------------------------------------------------------------------------------------
// Tables.
// ---------------------------------------------------------------------------------------------

export interface EnsuredTable {
  name: string;
  streamArn?: string;
  created: boolean;
  /** An existing table (a data folder from an older version) whose stream was switched on in place. */
  streamAdded?: boolean;
}

const keySignature = (keys: KeySchemaElement[] | undefined): string =>
  (keys ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');

const indexSignature = (
  indexes: { IndexName?: string; KeySchema?: KeySchemaElement[] }[] | undefined,
): string =>
  (indexes ?? [])
    .map((index) => `${index.IndexName}(${keySignature(index.KeySchema)})`)
    .sort()
    .join(' ');

const mismatch = (table: TableModel, existing: TableDescription): string | undefined => {
  const wanted = table.definition;
  if (keySignature(existing.KeySchema) !== keySignature(wanted.KeySchema)) {
    return `key schema is ${keySignature(existing.KeySchema)}, template says ${keySignature(wanted.KeySchema)}`;
  }
  const gsiHave = indexSignature(existing.GlobalSecondaryIndexes);
  const gsiWant = indexSignature(wanted.GlobalSecondaryIndexes);
  if (gsiHave !== gsiWant) return `global secondary indexes are [${gsiHave}], template says [${gsiWant}]`;
  const lsiHave = indexSignature(existing.LocalSecondaryIndexes);
  const lsiWant = indexSignature(wanted.LocalSecondaryIndexes);
  if (lsiHave !== lsiWant) return `local secondary indexes are [${lsiHave}], template says [${lsiWant}]`;
  const streamHave = existing.StreamSpecification?.StreamEnabled
    ? existing.StreamSpecification.StreamViewType
    : undefined;
  if (streamHave !== table.streamViewType) {
    return `stream is ${streamHave ?? 'off'}, template says ${table.streamViewType ?? 'off'}`;
  }
  return undefined;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the template's tables that don't exist yet (with GSIs and streams) and waits for them
 * to be ACTIVE. Existing tables are kept; a stream the template added since the table was created
 * is switched on in place (UpdateTable, as CloudFormation does); one whose keys, indexes or stream
 * view otherwise differ from the template fails the start, since DynamoDB cannot change a key
 * schema in place.
 */
export const ensureTables = async (
  client: DynamoDBClient,
  model: Pick<LocalModel, 'tables'>,
  prefix: string,
): Promise<Map<string, EnsuredTable>> => {
  const existing = new Set<string>();
  for await (const page of paginateListTables({ client }, {})) {
    for (const name of page.TableNames ?? []) existing.add(name);
  }
  const result = new Map<string, EnsuredTable>();
  await Promise.all(
    model.tables.map(async (table) => {
      const name = tableName(table, prefix);
      const created = !existing.has(name);
      if (created) {
        try {
          await client.send(new CreateTableCommand({ ...table.definition, TableName: name }));
        } catch (error) {
          if (!(error instanceof Error && error.name === 'ResourceInUseException')) {
            throw new TemplateError(`Creating table ${name} (${table.id.key}) failed: ${String(error)}`, {
              cause: error,
            });
          }
        }
      }
      let streamAdded = false;
      for (let attempt = 0; ; attempt++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (!Table) throw new TemplateError(`DescribeTable ${name} returned no table`);
        if (!created && !streamAdded && table.streamViewType && !Table.StreamSpecification?.StreamEnabled) {
          await client.send(
            new UpdateTableCommand({
              TableName: name,
              StreamSpecification: {
                StreamEnabled: true,
                StreamViewType: table.streamViewType as StreamViewType,
              },
            }),
          );
          streamAdded = true;
          continue;
        }
        if (!created) {
          const difference = mismatch(table, Table);
          if (difference) {
            throw new TemplateError(
              `Local table ${name} does not match the template (${difference}). ` +
                'Delete the local data directory (default .precis/) or run with --in-memory.',
            );
          }
        }
        if (Table.TableStatus === 'ACTIVE') {
          result.set(table.id.key, {
            name,
            created,
            ...(streamAdded && { streamAdded }),
            ...(Table.LatestStreamArn && table.streamViewType ? { streamArn: Table.LatestStreamArn } : {}),
          });
          return;
        }
        if (attempt > 200) throw new TemplateError(`Table ${name} did not become ACTIVE`);
        await sleep(50);
      }
    }),
  );
  return result;
};
