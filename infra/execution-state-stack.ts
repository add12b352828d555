/**
 * The execution-state table, defined once. Its synthesized template is checked into the SAM
 * stack (lambda-functions/execution-state.template.json) and also creates the local table, so
 * production, tests and the local store share one key schema.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { SECONDARY_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../src/table-layout.js';

export interface ExecutionStateStackProps extends StackProps {
  /** Deployment stage, part of the table name: dataops-execution-<stage>. Default: prod. */
  readonly stage?: string;
  /** Owner tag: who to ask about this table. Default: dataops-platform. */
  readonly owner?: string;
  /** Days the daily AWS Backup recovery points are kept. Default: 35. */
  readonly dailyBackupRetentionDays?: number;
  /** Days the monthly AWS Backup recovery points are kept. Default: 365. */
  readonly monthlyBackupRetentionDays?: number;
  /** Days of point-in-time recovery (1-35). Default: 35. */
  readonly pointInTimeRecoveryDays?: number;
}

/** Logical IDs are part of the contract: renaming one would make CloudFormation replace the resource. */
export const LOGICAL_IDS = {
  table: 'ExecutionTable',
  backupVault: 'ExecutionBackupVault',
  backupPlan: 'ExecutionBackupPlan',
} as const;

export class ExecutionStateStack extends Stack {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ExecutionStateStackProps = {}) {
    super(scope, id, props);
    const stage = props.stage ?? 'prod';
    const owner = props.owner ?? 'dataops-platform';

    this.table = new Table(this, LOGICAL_IDS.table, {
      tableName: `dataops-execution-${stage}`,
      partitionKey: { name: TABLE_KEYS.pk, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sk, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: props.pointInTimeRecoveryDays ?? 35,
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: TableEncryption.AWS_MANAGED,
    });
    const tableResource = this.table.node.defaultChild;
    (tableResource as unknown as { overrideLogicalId(id: string): void }).overrideLogicalId(LOGICAL_IDS.table);

    // Every GSI projects ALL attributes: each serves list views that return whole items, and a
    // narrower projection would cost one GetItem per row, which is what this design removes.
    for (const index of SECONDARY_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.pk, type: AttributeType.STRING },
        sortKey: { name: index.sk, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }

    const vault = new BackupVault(this, LOGICAL_IDS.backupVault, {
      backupVaultName: `dataops-execution-${stage}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const plan = new BackupPlan(this, LOGICAL_IDS.backupPlan, {
      backupPlanName: `dataops-execution-${stage}`,
      backupVault: vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '3' }),
          deleteAfter: Duration.days(props.dailyBackupRetentionDays ?? 35),
        }),
        new BackupPlanRule({
          ruleName: 'Monthly',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '4', day: '1' }),
          deleteAfter: Duration.days(props.monthlyBackupRetentionDays ?? 365),
        }),
      ],
    });
    plan.addSelection('ExecutionTableSelection', {
      backupSelectionName: 'execution-table',
      resources: [BackupResource.fromDynamoDbTable(this.table)],
    });

    for (const [key, value] of Object.entries({
      Project: 'dataops',
      App: 'execution-state',
      DataClass: 'ExecutionState',
      Owner: owner,
      Backup: 'daily-35d-monthly-365d',
      Stage: stage,
    })) {
      Tags.of(this).add(key, value);
    }

    new CfnOutput(this, 'ExecutionTableName', { value: this.table.tableName, description: 'Execution-state table name (DATAOPS_EXECUTION_TABLE)' });
    new CfnOutput(this, 'ExecutionTableArn', { value: this.table.tableArn, description: 'Execution-state table ARN' });
    new CfnOutput(this, 'ExecutionTableStreamArn', { value: this.table.tableStreamArn ?? '', description: 'Execution-state table stream ARN' });
  }
}
