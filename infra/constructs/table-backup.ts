/**
 * AWS Backup for one DynamoDB table: a dedicated vault encrypted with its own customer-managed
 * KMS key, and a plan with a daily and a monthly rule selecting exactly that table.
 */
import { Aws, CfnCondition, Duration, Fn, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeNagFindings } from '../acknowledgements.js';

/**
 * AWS Backup Vault Lock modes. `none`: no lock (the vault's access policy still denies deleting
 * recovery points). `governance`: nobody can delete a recovery point before its lifecycle ends,
 * or use a retention outside the plan's, unless allowed to remove the lock. `compliance`: the
 * same, and after VAULT_LOCK_GRACE_DAYS nobody (not the account root, not AWS) can remove or
 * change the lock again.
 */
export const VAULT_LOCK_MODES = ['none', 'governance', 'compliance'] as const;
export type VaultLockMode = (typeof VAULT_LOCK_MODES)[number];

/** Compliance mode: days the lock can still be removed after it is set (AWS's minimum, 3). */
export const VAULT_LOCK_GRACE_DAYS = 3;

export interface TableBackupProps {
  /** The table to back up (the plan selects exactly this one). */
  readonly table: ITable;
  /** Physical name of the vault and the plan; the key alias is `alias/<name>-backup`. May be a token. */
  readonly name: string;
  /** Days the daily recovery points are kept. */
  readonly dailyRetentionDays: number;
  /** Days the monthly recovery points are kept. */
  readonly monthlyRetentionDays: number;
  /**
   * One of VAULT_LOCK_MODES, usually a parameter's value (so the lock is a deploy-time switch).
   * The lock's retention range is the plan's: from the daily to the monthly retention.
   */
  readonly vaultLockMode: VaultLockMode | string;
}

/**
 * Logical IDs are this construct's ID plus a fixed suffix (`<id>Key`, `<id>KeyAlias`,
 * `<id>Vault`, `<id>Plan`, `<id>Selection`, `<id>Role`, and the conditions `<id>VaultLocked`,
 * `<id>VaultLockCompliance`): renaming one would make CloudFormation replace the resource, and
 * the vault and key are retained, so a rename would orphan them.
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
    // Disabling or deleting this key makes every recovery point unreadable. Nobody may do either
    // while this statement stands; lifting it takes a key policy change first (PutKeyPolicy,
    // which BackupMonitoring alerts on, like the two calls themselves).
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyDisablingOrDeletingTheBackupKey',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:DisableKey', 'kms:ScheduleKeyDeletion'],
        resources: ['*'],
      }),
    );
    pin(this.key.addAlias(Fn.join('', ['alias/', props.name, '-backup'])), 'KeyAlias');

    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: props.name,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
      blockRecoveryPointDeletion: true,
    });
    pin(this.vault, 'Vault');
    this.addVaultLock(id, props);

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

  /** Vault Lock as a deploy-time switch: LockConfiguration only when the mode is not `none`. */
  private addVaultLock(id: string, props: TableBackupProps): void {
    const locked = new CfnCondition(this, 'VaultLocked', { expression: Fn.conditionNot(Fn.conditionEquals(props.vaultLockMode, 'none')) });
    locked.overrideLogicalId(`${id}VaultLocked`);
    const compliance = new CfnCondition(this, 'VaultLockCompliance', { expression: Fn.conditionEquals(props.vaultLockMode, 'compliance') });
    compliance.overrideLogicalId(`${id}VaultLockCompliance`);
    (this.vault.node.defaultChild as CfnResource).addPropertyOverride(
      'LockConfiguration',
      Fn.conditionIf(
        locked.logicalId,
        {
          // Jobs with a retention outside this range fail while the vault is locked.
          MinRetentionDays: Math.min(props.dailyRetentionDays, props.monthlyRetentionDays),
          MaxRetentionDays: Math.max(props.dailyRetentionDays, props.monthlyRetentionDays),
          // Without ChangeableForDays the lock is in governance mode.
          ChangeableForDays: Fn.conditionIf(compliance.logicalId, VAULT_LOCK_GRACE_DAYS, Aws.NO_VALUE),
        },
        Aws.NO_VALUE,
      ),
    );
  }
}
