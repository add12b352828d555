/**
 * The execution-state table, defined once. Its synthesized template is checked into the SAM
 * stack (lambda-functions/execution-state.template.json, included there as a nested
 * application) and also creates the local table (src/local/create-table.ts), so production,
 * tests and the local store share one key schema.
 *
 * Every index and key attribute name comes from src/table-layout.ts; nothing here spells one.
 * Every resource has a fixed logical ID (LOGICAL_IDS): CloudFormation identifies resources by
 * logical ID, so renaming the table's would delete-and-recreate it (Retain would only orphan
 * the old one). test/infra/stack.test.ts pins them.
 */
import { CfnOutput, CfnParameter, CfnResource, Duration, Fn, RemovalPolicy, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct, IConstruct } from 'constructs';
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE, type IndexKey } from '../src/table-layout.js';

export interface ExecutionStateStackProps extends StackProps {
  /** Owner tag: who to ask about this table. Default: dataops-platform. */
  readonly owner?: string;
  /** Days the daily AWS Backup recovery points are kept. Default: 35. */
  readonly dailyBackupRetentionDays?: number;
  /** Days the monthly AWS Backup recovery points are kept. Default: 365. */
  readonly monthlyBackupRetentionDays?: number;
  /** Days of point-in-time recovery (1-35). Default: 35. */
  readonly pointInTimeRecoveryDays?: number;
}

/** Defaults of the retention settings; the ADR (docs/adr/0002) states the same numbers. */
export const RETENTION_DEFAULTS = {
  pointInTimeRecoveryDays: 35,
  dailyBackupRetentionDays: 35,
  monthlyBackupRetentionDays: 365,
} as const;

/** Prefix of every stage-derived physical name: `dataops-execution-<Stage>`. */
export const NAME_PREFIX = 'dataops-execution';

/** The CloudFormation parameter SAM passes to the nested stack. */
export const STAGE_PARAMETER = 'Stage';

/** A stage is a short lower-case slug: it becomes part of the table, vault and plan names. */
export const STAGE_PATTERN = '^[a-z][a-z0-9-]{1,15}$';

/** Logical IDs are part of the contract: renaming one would make CloudFormation replace the resource. */
export const LOGICAL_IDS = {
  table: 'ExecutionTable',
  backupKey: 'ExecutionBackupKey',
  backupKeyAlias: 'ExecutionBackupKeyAlias',
  backupVault: 'ExecutionBackupVault',
  backupPlan: 'ExecutionBackupPlan',
  backupSelection: 'ExecutionBackupSelection',
  backupRole: 'ExecutionBackupRole',
} as const;

/**
 * The output of the ARN of each secondary index, named after the layout key (not the physical
 * index name), so the SAM template can grant Query on one index without spelling its name.
 */
export function indexArnOutputName(key: IndexKey): string {
  return `ExecutionTableIndex${key.charAt(0).toUpperCase()}${key.slice(1)}Arn`;
}

/** Stack outputs the SAM template (and operators) read. Stable: the SAM template references them by name. */
export const OUTPUT_NAMES = {
  tableName: 'ExecutionTableName',
  tableArn: 'ExecutionTableArn',
  tableStreamArn: 'ExecutionTableStreamArn',
  backupVaultName: 'ExecutionBackupVaultName',
  backupVaultArn: 'ExecutionBackupVaultArn',
  backupPlanId: 'ExecutionBackupPlanId',
} as const;

export class ExecutionStateStack extends Stack {
  readonly table: Table;
  readonly stage: CfnParameter;

  constructor(scope: Construct, id: string, props: ExecutionStateStackProps = {}) {
    super(scope, id, props);
    const owner = props.owner ?? 'dataops-platform';
    const pitrDays = props.pointInTimeRecoveryDays ?? RETENTION_DEFAULTS.pointInTimeRecoveryDays;
    const dailyDays = props.dailyBackupRetentionDays ?? RETENTION_DEFAULTS.dailyBackupRetentionDays;
    const monthlyDays = props.monthlyBackupRetentionDays ?? RETENTION_DEFAULTS.monthlyBackupRetentionDays;

    this.templateOptions.description =
      'DataOps execution-state store: the DynamoDB table, its AWS Backup plan and vault. Synthesized by `npm run synth` from infra/; do not edit by hand.';

    // One template serves every stage: the stage is a parameter (SAM passes its own Stage), and
    // every physical name is derived from it, so two stages never collide in one account.
    this.stage = new CfnParameter(this, STAGE_PARAMETER, {
      type: 'String',
      description: 'Deployment stage (dev, staging, prod, ...): part of the table, vault and plan names.',
      allowedPattern: STAGE_PATTERN,
      constraintDescription: 'a lower-case slug: a letter, then 1-15 letters, digits or hyphens',
    });
    this.stage.overrideLogicalId(STAGE_PARAMETER);
    const physicalName = Fn.join('-', [NAME_PREFIX, this.stage.valueAsString]);

    this.table = new Table(this, LOGICAL_IDS.table, {
      tableName: physicalName,
      partitionKey: { name: TABLE_KEYS.pk, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sk, type: AttributeType.STRING },
      // Unpredictable, spiky portal traffic on a small table: on-demand, no capacity planning.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: pitrDays },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Old and new images: the audit trail and the incremental export both need the before-image.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // KMS with the AWS-managed key (alias/aws/dynamodb): encryption is always on in DynamoDB;
      // stating it pins the choice. See the ADR for when to move to a customer-managed key.
      encryption: TableEncryption.AWS_MANAGED,
    });
    const tableResource = this.table.node.defaultChild as CfnResource;
    tableResource.overrideLogicalId(LOGICAL_IDS.table);
    // CDK renders AWS_MANAGED as `SSEEnabled: true` only; name the type too so the template says it.
    tableResource.addPropertyOverride('SSESpecification.SSEType', 'KMS');

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

    // The vault holds the only copies that survive a deleted table or account mishap: its own
    // customer-managed key (rotated yearly), retained with the stack, and an access policy that
    // forbids deleting recovery points by hand (lifecycle expiry still applies).
    const backupKey = new Key(this, LOGICAL_IDS.backupKey, {
      description: 'Encrypts the execution-state AWS Backup vault',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    (backupKey.node.defaultChild as CfnResource).overrideLogicalId(LOGICAL_IDS.backupKey);
    const alias = backupKey.addAlias(Fn.join('', ['alias/', physicalName, '-backup']));
    (alias.node.defaultChild as CfnResource).overrideLogicalId(LOGICAL_IDS.backupKeyAlias);

    const vault = new BackupVault(this, LOGICAL_IDS.backupVault, {
      backupVaultName: physicalName,
      encryptionKey: backupKey,
      removalPolicy: RemovalPolicy.RETAIN,
      blockRecoveryPointDeletion: true,
    });
    (vault.node.defaultChild as CfnResource).overrideLogicalId(LOGICAL_IDS.backupVault);

    const plan = new BackupPlan(this, LOGICAL_IDS.backupPlan, {
      backupPlanName: physicalName,
      backupVault: vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '3' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          deleteAfter: Duration.days(dailyDays),
        }),
        new BackupPlanRule({
          ruleName: 'Monthly',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '4', day: '1' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          deleteAfter: Duration.days(monthlyDays),
        }),
      ],
    });
    (plan.node.defaultChild as CfnResource).overrideLogicalId(LOGICAL_IDS.backupPlan);
    const selection = plan.addSelection(LOGICAL_IDS.backupSelection, {
      backupSelectionName: 'execution-table',
      resources: [BackupResource.fromDynamoDbTable(this.table)],
      // The same role can restore, so the restore procedure in the ADR needs no extra setup.
      allowRestores: true,
    });
    (selection.node.defaultChild as CfnResource).overrideLogicalId(LOGICAL_IDS.backupSelection);
    const backupRole = selection.node.findChild('Role');
    (backupRole.node.defaultChild as CfnResource).overrideLogicalId(LOGICAL_IDS.backupRole);
    acknowledgeNagFindings(backupRole, [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        reason:
          'AWS Backup service role: the AWS-maintained backup policy is the documented way to let AWS Backup snapshot DynamoDB (and follows new backup features); the role is assumable only by backup.amazonaws.com and selected to this one table.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
        reason:
          'AWS Backup service role: the AWS-maintained restore policy lets the documented restore procedure run as this role; assumable only by backup.amazonaws.com.',
      },
    ]);

    for (const [key, value] of Object.entries({
      Project: 'dataops',
      App: 'execution-state',
      DataClass: 'ExecutionState',
      Owner: owner,
      Backup: `daily-${dailyDays}d-monthly-${monthlyDays}d-pitr-${pitrDays}d`,
      Stage: this.stage.valueAsString,
    })) {
      Tags.of(this).add(key, value);
    }

    const output = (name: string, value: string, description: string): void => {
      new CfnOutput(this, name, { value, description }).overrideLogicalId(name);
    };
    output(OUTPUT_NAMES.tableName, this.table.tableName, 'Execution-state table name: every function gets it as DATAOPS_EXECUTION_TABLE');
    output(OUTPUT_NAMES.tableArn, this.table.tableArn, 'Execution-state table ARN: the resource of item-level IAM statements');
    output(OUTPUT_NAMES.tableStreamArn, this.table.tableStreamArn ?? '', 'Execution-state table stream ARN (new and old images): audit and incremental export consumers');
    for (const key of Object.keys(INDEXES) as IndexKey[]) {
      output(
        indexArnOutputName(key),
        Fn.join('/', [this.table.tableArn, 'index', INDEXES[key].indexName]),
        `ARN of the ${key} index: the resource of Query statements on it (${INDEXES[key].purpose})`,
      );
    }
    output(OUTPUT_NAMES.backupVaultName, vault.backupVaultName, 'AWS Backup vault holding the daily and monthly recovery points');
    output(OUTPUT_NAMES.backupVaultArn, vault.backupVaultArn, 'AWS Backup vault ARN');
    output(OUTPUT_NAMES.backupPlanId, plan.backupPlanId, 'AWS Backup plan ID (daily and monthly rules)');
  }
}

interface NagAcknowledgement {
  /** The cdk-nag rule ID, with the finding in brackets for granular rules. */
  readonly id: string;
  /** Why the finding is acceptable here: required, reviewed with the code. */
  readonly reason: string;
}

/** Records cdk-nag acknowledgements on a construct; every one must carry its reason. */
export function acknowledgeNagFindings(scope: IConstruct, acknowledgements: readonly NagAcknowledgement[]): void {
  for (const { id, reason } of acknowledgements) {
    if (reason.trim().length < 20) throw new Error(`cdk-nag acknowledgement ${id} needs a real reason`);
    Validations.of(scope).acknowledge({ id, reason });
  }
}
