/**
 * AWS Backup for one DynamoDB table: a dedicated vault encrypted with its own customer-managed
 * KMS key, and a plan with a daily and a monthly rule selecting exactly that table.
 */
import { Duration, Fn, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeNagFindings } from '../acknowledgements.js';

export interface TableBackupProps {
  /** The table to back up (the plan selects exactly this one). */
  readonly table: ITable;
  /** Physical name of the vault and the plan; the key alias is `alias/<name>-backup`. May be a token. */
  readonly name: string;
  /** Days the daily recovery points are kept. */
  readonly dailyRetentionDays: number;
  /** Days the monthly recovery points are kept. */
  readonly monthlyRetentionDays: number;
}

/**
 * Logical IDs are this construct's ID plus a fixed suffix (`<id>Key`, `<id>KeyAlias`,
 * `<id>Vault`, `<id>Plan`, `<id>Selection`, `<id>Role`): renaming one would make CloudFormation
 * replace the resource, and the vault and key are retained, so a rename would orphan them.
 */
export class TableBackup extends Construct {
  /** Encrypts the vault's recovery points. */
  readonly key: Key;
  readonly vault: BackupVault;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: TableBackupProps) {
    super(scope, id);
    const pin = (construct: IConstruct, suffix: string): void => {
      (construct.node.defaultChild as CfnResource).overrideLogicalId(`${id}${suffix}`);
    };

    // The vault holds the only copies that survive a deleted table or account mishap: its own
    // customer-managed key (rotated yearly), retained with the stack, and an access policy that
    // forbids deleting recovery points by hand (lifecycle expiry still applies).
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the execution-state AWS Backup vault',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    pin(this.key, 'Key');
    pin(this.key.addAlias(Fn.join('', ['alias/', props.name, '-backup'])), 'KeyAlias');

    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: props.name,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
      blockRecoveryPointDeletion: true,
    });
    pin(this.vault, 'Vault');

    const rule = (ruleName: string, schedule: Schedule, days: number): BackupPlanRule =>
      new BackupPlanRule({
        ruleName,
        scheduleExpression: schedule,
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: Duration.days(days),
      });
    this.plan = new BackupPlan(this, 'Plan', {
      backupPlanName: props.name,
      backupVault: this.vault,
      backupPlanRules: [
        rule('Daily', Schedule.cron({ minute: '0', hour: '3' }), props.dailyRetentionDays),
        rule('Monthly', Schedule.cron({ minute: '0', hour: '4', day: '1' }), props.monthlyRetentionDays),
      ],
    });
    pin(this.plan, 'Plan');

    const selection = this.plan.addSelection('Selection', {
      backupSelectionName: 'execution-table',
      resources: [BackupResource.fromDynamoDbTable(props.table)],
      // The same role can restore, so the restore procedure in the ADR needs no extra setup.
      allowRestores: true,
    });
    pin(selection, 'Selection');
    const role = selection.node.findChild('Role');
    pin(role, 'Role');
    acknowledgeNagFindings(role, [
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
  }
}
