/**
 * The execution-state stack, defined once: the table (ExecutionTable) and its backups
 * (TableBackup), one construct per concern under infra/constructs/, plus the stack's parameters,
 * tags and outputs. Its synthesized template is checked into the SAM stack
 * (lambda-functions/execution-state.template.json, included there as a nested application) and
 * also creates the local table (src/local/create-table.ts), so production, tests and the local
 * store share one key schema.
 *
 * Every index and key attribute name comes from src/table-layout.ts; nothing here spells one.
 * Every resource has a fixed logical ID (LOGICAL_IDS): CloudFormation identifies resources by
 * logical ID, so renaming the table's would delete-and-recreate it (Retain would only orphan
 * the old one). test/infra/stack.test.ts pins them.
 */
import { CfnOutput, CfnParameter, Fn, Stack, Tags, type CfnParameterProps, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { INDEXES, type IndexKey } from '../src/table-layout.js';
import { AlertTopic } from './constructs/alert-topic.js';
import { BackupMonitoring } from './constructs/backup-monitoring.js';
import { ExecutionTable } from './constructs/execution-table.js';
import { TableBackup, VAULT_LOCK_GRACE_DAYS, VAULT_LOCK_MODES } from './constructs/table-backup.js';

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

/** The retention settings in effect (props, else RETENTION_DEFAULTS). */
type Retention = Record<keyof typeof RETENTION_DEFAULTS, number>;

/** Prefix of every stage-derived physical name: `dataops-execution-<Stage>`. */
export const NAME_PREFIX = 'dataops-execution';

/** The CloudFormation parameter SAM passes to the nested stack. */
export const STAGE_PARAMETER = 'Stage';

/** Optional parameters, each with a default; SAM passes its own parameters of the same names. */
export const ALARM_EMAIL_PARAMETER = 'AlarmEmail';
export const VAULT_LOCK_PARAMETER = 'BackupVaultLock';

/** An e-mail address, or empty (no subscription). */
export const ALARM_EMAIL_PATTERN = '^([^@\\s]+@[^@\\s]+\\.[^@\\s]+)?$';

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
  alertTopic: 'ExecutionAlertsTopic',
  alertTopicPolicy: 'ExecutionAlertsTopicPolicy',
  alertKey: 'ExecutionAlertsKey',
  alertKeyAlias: 'ExecutionAlertsKeyAlias',
  alertEmailSubscription: 'ExecutionAlertsEmail',
  backupJobFailedRule: 'ExecutionBackupAlertsJobFailedRule',
  backupKeyChangeRule: 'ExecutionBackupAlertsKeyChangeRule',
} as const;

/**
 * Construct IDs, each the prefix of its construct's logical IDs (`ExecutionBackup` ->
 * `ExecutionBackupKey`, ...). The table's construct ID is its logical ID.
 */
const CONSTRUCT_IDS = {
  backup: 'ExecutionBackup',
  alerts: 'ExecutionAlerts',
  backupAlerts: 'ExecutionBackupAlerts',
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
  alertTopicArn: 'ExecutionAlertTopicArn',
} as const;

export class ExecutionStateStack extends Stack {
  readonly table: Table;
  readonly stage: CfnParameter;
  readonly backup: TableBackup;
  readonly alerts: AlertTopic;

  constructor(scope: Construct, id: string, props: ExecutionStateStackProps = {}) {
    super(scope, id, props);
    const retention: Retention = {
      pointInTimeRecoveryDays: props.pointInTimeRecoveryDays ?? RETENTION_DEFAULTS.pointInTimeRecoveryDays,
      dailyBackupRetentionDays: props.dailyBackupRetentionDays ?? RETENTION_DEFAULTS.dailyBackupRetentionDays,
      monthlyBackupRetentionDays: props.monthlyBackupRetentionDays ?? RETENTION_DEFAULTS.monthlyBackupRetentionDays,
    };

    this.templateOptions.description =
      'DataOps execution-state store: the DynamoDB table, its AWS Backup plan and vault, and the alert topic. Synthesized by `npm run synth` from infra/; do not edit by hand.';

    const parameters = this.declareParameters();
    this.stage = parameters.stage;
    const physicalName = Fn.join('-', [NAME_PREFIX, this.stage.valueAsString]);

    this.table = new ExecutionTable(this, LOGICAL_IDS.table, {
      tableName: physicalName,
      pointInTimeRecoveryDays: retention.pointInTimeRecoveryDays,
    }).table;
    this.backup = new TableBackup(this, CONSTRUCT_IDS.backup, {
      table: this.table,
      name: physicalName,
      dailyRetentionDays: retention.dailyBackupRetentionDays,
      monthlyRetentionDays: retention.monthlyBackupRetentionDays,
      vaultLockMode: parameters.vaultLock.valueAsString,
    });
    this.alerts = new AlertTopic(this, CONSTRUCT_IDS.alerts, { name: physicalName, email: parameters.alarmEmail.valueAsString });
    new BackupMonitoring(this, CONSTRUCT_IDS.backupAlerts, { table: this.table, backupKey: this.backup.key, topic: this.alerts.topic });

    this.addTags(props.owner ?? 'dataops-platform', retention);
    this.addOutputs();
  }

  /** The template's parameters, under fixed names: SAM passes its own parameters of the same names. */
  private declareParameters(): { stage: CfnParameter; alarmEmail: CfnParameter; vaultLock: CfnParameter } {
    const parameter = (name: string, props: CfnParameterProps): CfnParameter => {
      const declared = new CfnParameter(this, name, props);
      declared.overrideLogicalId(name);
      return declared;
    };
    return {
      // One template serves every stage: the stage is a parameter (SAM passes its own Stage), and
      // every physical name is derived from it, so two stages never collide in one account.
      stage: parameter(STAGE_PARAMETER, {
        type: 'String',
        description: 'Deployment stage (dev, staging, prod, ...): part of the table, vault and plan names.',
        allowedPattern: STAGE_PATTERN,
        constraintDescription: 'a lower-case slug: a letter, then 1-15 letters, digits or hyphens',
      }),
      alarmEmail: parameter(ALARM_EMAIL_PARAMETER, {
        type: 'String',
        default: '',
        description: 'E-mail address subscribed to the alert topic (alarms, failed backups, backup key changes); empty for none.',
        allowedPattern: ALARM_EMAIL_PATTERN,
        constraintDescription: 'an e-mail address, or empty',
      }),
      vaultLock: parameter(VAULT_LOCK_PARAMETER, {
        type: 'String',
        default: 'none',
        allowedValues: [...VAULT_LOCK_MODES],
        description: `AWS Backup Vault Lock on the backup vault: none, governance (removable by authorised users) or compliance (irreversible after a ${VAULT_LOCK_GRACE_DAYS}-day grace period; see ADR 0002 first).`,
      }),
    };
  }

  /** The same tags on every resource: cost allocation, ownership, and the backup promise. */
  private addTags(owner: string, retention: Retention): void {
    const { dailyBackupRetentionDays: daily, monthlyBackupRetentionDays: monthly, pointInTimeRecoveryDays: pitr } = retention;
    for (const [key, value] of Object.entries({
      Project: 'dataops',
      App: 'execution-state',
      DataClass: 'ExecutionState',
      Owner: owner,
      Backup: `daily-${daily}d-monthly-${monthly}d-pitr-${pitr}d`,
      Stage: this.stage.valueAsString,
    })) {
      Tags.of(this).add(key, value);
    }
  }

  /** The outputs the SAM template (and operators) read, under their stable names. */
  private addOutputs(): void {
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
    output(OUTPUT_NAMES.backupVaultName, this.backup.vault.backupVaultName, 'AWS Backup vault holding the daily and monthly recovery points');
    output(OUTPUT_NAMES.backupVaultArn, this.backup.vault.backupVaultArn, 'AWS Backup vault ARN');
    output(OUTPUT_NAMES.backupPlanId, this.backup.plan.backupPlanId, 'AWS Backup plan ID (daily and monthly rules)');
    output(OUTPUT_NAMES.alertTopicArn, this.alerts.topic.topicArn, 'SNS topic of every alert of the stage: the functions\' alarms publish to it');
  }
}
