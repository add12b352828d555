/**
 * The execution-state DynamoDB table: keys and indexes from src/table-layout.ts, on-demand,
 * point-in-time recovery, deletion protection, TTL, stream, encryption. Backups live in
 * TableBackup; this construct only defines the table.
 */
import { RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../../src/table-layout.js';
import { acknowledgeCheckovFindings } from '../acknowledgements.js';

export interface ExecutionTableProps {
  /** Physical table name (may be a token, e.g. derived from the Stage parameter). */
  readonly tableName: string;
  /** Days of point-in-time recovery (1-35). */
  readonly pointInTimeRecoveryDays: number;
}

/**
 * The table resource's logical ID is this construct's ID: CloudFormation identifies resources
 * by logical ID, so it must never change (renaming it would delete-and-recreate the table).
 */
export class ExecutionTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ExecutionTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: TABLE_KEYS.pk, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sk, type: AttributeType.STRING },
      // Unpredictable, spiky portal traffic on a small table: on-demand, no capacity planning.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: props.pointInTimeRecoveryDays },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Old and new images: the audit trail and the incremental export both need the before-image.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // KMS with the AWS-managed key (alias/aws/dynamodb): encryption is always on in DynamoDB;
      // stating it pins the choice. See the ADR for when to move to a customer-managed key.
      encryption: TableEncryption.AWS_MANAGED,
    });
    const resource = this.table.node.defaultChild as CfnResource;
    resource.overrideLogicalId(id);
    // CDK renders AWS_MANAGED as `SSEEnabled: true` only; name the type too so the template says it.
    resource.addPropertyOverride('SSESpecification.SSEType', 'KMS');
    acknowledgeCheckovFindings(resource, [
      {
        id: 'CKV_AWS_119',
        reason:
          'AWS-managed key (aws/dynamodb) by decision (ADR 0002, section 2): encrypted at rest either way; a customer-managed key would have to be granted to every function, restore and export, and is adopted in place when cross-account access or a compliance rule needs it.',
      },
    ]);

    // Every GSI projects ALL attributes, deliberately: each one backs list views and ElectroDB
    // collections that return whole items, and ElectroDB recognises an item's entity by its
    // `__edb_e__`/`__edb_v__` attributes. KEYS_ONLY or INCLUDE would drop those (breaking
    // collection queries) or cost one GetItem per row. Items are small (< 4 KB), so the extra
    // index storage is cheap; the sparse indexes (openByAssigneeDue, byStateTime) hold only the
    // open/pending subset.
    for (const index of Object.values(INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.pk, type: AttributeType.STRING },
        sortKey: { name: index.sk, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
