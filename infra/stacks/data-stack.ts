import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnConfigurationSet, CfnConfigurationSetEventDestination } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeIndexGrants } from '../nag';

export interface DataStackProps extends StackProps {
  /** An existing Secrets Manager secret (name or full ARN) holding the link key(s); default: one is created. */
  linkSigningSecret?: string | undefined;
  /** An existing secret (name or full ARN) holding the pseudonym key(s); default: one is created. */
  identityKeySecret?: string | undefined;
}

/**
 * Stateful resources, kept apart so the other stacks can be replaced freely: tables are retained on
 * stack deletion, protected from deletion, encrypted, and recoverable to any second of the last 35 days.
 */
export class DataStack extends Stack {
  readonly customers: Table;
  readonly identities: Table;
  readonly orders: Table;
  readonly orderIds: Table;
  readonly surveys: Table;
  readonly models: Table;
  readonly deliveries: Table;
  readonly campaignStats: Table;
  readonly segmentMembers: Table;
  readonly campaigns: Table;
  readonly configurationSet: CfnConfigurationSet;
  readonly bus: EventBus;
  /** The HMAC key(s) of unsubscribe and confirmation links (read by the functions that sign or verify). */
  readonly linkSigningKey: ISecret;
  /** The HMAC key(s) of the Identities table's pseudonyms (read by the functions that use the table). */
  readonly identityKey: ISecret;

  constructor(scope: Construct, id: string, props?: DataStackProps) {
    super(scope, id, props);
    const durable = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };

    this.customers = new Table(this, 'Customers', {
      ...durable,
      partitionKey: { name: 'customerId', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // Sparse: only customers with a birthday carry `birthdayKey`. The sort key (UTC offset in
    // minutes) lets the hourly planner read only people whose local time is in the send window.
    this.customers.addGlobalSecondaryIndex({
      indexName: 'byBirthday',
      partitionKey: { name: 'birthdayKey', type: AttributeType.STRING },
      sortKey: { name: 'birthdayOffset', type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Sparse: only customers with a predicted next order carry `nextOrderKey` (the local date of
    // the expected next order); same sort key as byBirthday, for the repurchase-window trigger.
    this.customers.addGlobalSecondaryIndex({
      indexName: 'byNextOrder',
      partitionKey: { name: 'nextOrderKey', type: AttributeType.STRING },
      sortKey: { name: 'nextOrderOffset', type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });

    // Sparse: only customers with an order carry `lastOrderKey` (the local date of their most recent
    // order, kept by the campaign triggers); same sort key, for the post-purchase survey N days later.
    this.customers.addGlobalSecondaryIndex({
      indexName: 'byLastOrder',
      partitionKey: { name: 'lastOrderKey', type: AttributeType.STRING },
      sortKey: { name: 'lastOrderOffset', type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Sparse: only profiles with a phone carry `phone` (E.164). Finds a customer by phone
    // (`GET /customers?phone=`) whether they signed up with a phone or with an email and a phone;
    // written only when the phone itself changes (a signup, the manage page, an erasure).
    this.customers.addGlobalSecondaryIndex({
      indexName: 'byPhone',
      partitionKey: { name: 'phone', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Grants on this table (GetItem, UpdateItem, …) carry `index/*`: acknowledged for cdk-nag here.
    acknowledgeIndexGrants(this.customers);

    this.identities = new Table(this, 'Identities', {
      ...durable,
      partitionKey: { name: 'identity', type: AttributeType.STRING },
      // The SMS pumping cap's per-number-per-day claims (dynamo-sms-number-days.ts) expire.
      timeToLiveAttribute: 'expiresAt',
    });

    // Append-only order history, one customer per partition; its stream drives the metrics.
    this.orders = new Table(this, 'Orders', {
      ...durable,
      partitionKey: { name: 'customerId', type: AttributeType.STRING },
      sortKey: { name: 'orderKey', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // Makes an order id unique across customers and remembers its content fingerprint (→ 409).
    this.orderIds = new Table(this, 'OrderIds', {
      ...durable,
      partitionKey: { name: 'orderId', type: AttributeType.STRING },
    });

    // Survey answers, one customer per partition (sk `answeredAt#surveyId`, plus `id#surveyId`
    // claims that make a survey id idempotent); its stream drives the profile's satisfaction.
    this.surveys = new Table(this, 'Surveys', {
      ...durable,
      partitionKey: { name: 'customerId', type: AttributeType.STRING },
      sortKey: { name: 'surveyKey', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });

    // Fitted scoring models, one item per version (version 0 = a copy of the current one), and the
    // segment summary of the last refit (modelId `segment-summary`).
    this.models = new Table(this, 'Models', {
      ...durable,
      partitionKey: { name: 'modelId', type: AttributeType.STRING },
      sortKey: { name: 'version', type: AttributeType.NUMBER },
    });

    // The Deliveries ledger: one row per customer and campaign occasion (sk `campaign#occasion`,
    // e.g. `birthday#2026`). A conditional put claims the occasion before anything is queued.
    this.deliveries = new Table(this, 'Deliveries', {
      ...durable,
      partitionKey: { name: 'customerId', type: AttributeType.STRING },
      sortKey: { name: 'deliveryKey', type: AttributeType.STRING },
      // Its stream feeds campaign measurement (audience, sent, delivered, opened, … per campaign).
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });

    // Campaign measurement, pre-aggregated (lib/domain/measurement/campaign-stats.ts): per campaign,
    // group and period one counters row, kept by the Deliveries and Orders streams, plus the
    // per-delivery and per-order markers that make every count exactly-once.
    this.campaignStats = new Table(this, 'CampaignStats', {
      ...durable,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
    });

    // Who is in each segment (lib/domain/segment-members.ts): one keys-only item per membership,
    // pk `<kind>:<name>#<shard>`, sk the customer id; written by the profile stream when a
    // membership changes, read one segment at a time (members lists, counts, exports, broadcasts).
    this.segmentMembers = new Table(this, 'SegmentMembers', {
      ...durable,
      partitionKey: { name: 'segment', type: AttributeType.STRING },
      sortKey: { name: 'customerId', type: AttributeType.STRING },
    });

    // Campaigns as data (dynamo-campaign-store.ts): per campaign a head item (current version,
    // status; all heads in one partition, read with one Query) and an immutable item per version.
    this.campaigns = new Table(this, 'Campaigns', {
      ...durable,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
    });

    // Every campaign email goes through this configuration set (its events feed the ledger).
    this.configurationSet = new CfnConfigurationSet(this, 'CampaignsConfigurationSet', {
      name: 'precis-campaigns',
    });

    // Its events (send, bounce, complaint, delivery, delivery delay, open, click, reject) go to EventBridge's default
    // bus (the only bus SES publishes to), where the ses-feedback rule picks them up. SEND is what
    // resolves a row a crash left `unknown` (domain/campaigns/delivery.ts).
    new CfnConfigurationSetEventDestination(this, 'CampaignsFeedbackDestination', {
      configurationSetName: this.configurationSet.ref,
      eventDestination: {
        name: 'precis-feedback',
        enabled: true,
        matchingEventTypes: [
          'SEND',
          'BOUNCE',
          'COMPLAINT',
          'DELIVERY',
          'DELIVERY_DELAY',
          'OPEN',
          'CLICK',
          'REJECT',
        ],
        eventBridgeDestination: {
          eventBusArn: this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        },
      },
    });

    // The app's bus: shops put OrderPlaced / OrderCancelled here; Precis publishes its own events.
    this.bus = new EventBus(this, 'Bus', { eventBusName: 'precis' });

    // The link-signing key: never in the template or an environment variable; the functions that
    // sign or verify links get the secret's ARN and GetSecretValue on it alone.
    const existing = props?.linkSigningSecret;
    if (existing) {
      this.linkSigningKey = existing.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'LinkSigningKey', existing)
        : Secret.fromSecretNameV2(this, 'LinkSigningKey', existing);
    } else {
      const created = new Secret(this, 'LinkSigningKey', {
        description:
          'Precis: HMAC key of unsubscribe and confirmation links (one key, or a JSON array newest first)',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledge(
        created,
        'AwsSolutions-SMG4',
        'Rotated by the operator, not by a rotation Lambda: links already sent must keep verifying, so a ' +
          'new key goes in front of the old one (a JSON array, newest first) and the old one is removed ' +
          'after the links it signed have expired (README, config key linkSigningSecret).',
      );
      this.linkSigningKey = created;
    }

    // The pseudonym key of the Identities table (keyed hashes of emails and phones that outlive an
    // erasure as suppression marks): rotated like the link key, never readable from the table.
    const identityKey = props?.identityKeySecret;
    if (identityKey) {
      this.identityKey = identityKey.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'IdentityKey', identityKey)
        : Secret.fromSecretNameV2(this, 'IdentityKey', identityKey);
    } else {
      const created = new Secret(this, 'IdentityKey', {
        description:
          'Precis: HMAC key of the Identities pseudonyms (one key, or a JSON array newest first; never drop a key while items use it)',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      acknowledge(
        created,
        'AwsSolutions-SMG4',
        'Rotated by the operator, not by a rotation Lambda: stored pseudonyms must stay findable, so a new ' +
          'key goes in front of the old ones (a JSON array, newest first) and old keys stay while items ' +
          'use them (README "Pseudonyms", config key identityKeySecret).',
      );
      this.identityKey = created;
    }
  }
}
