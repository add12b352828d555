/**
 * Alerts about the backups themselves, as EventBridge rules that publish to the alert topic:
 * a backup or copy job of the table that failed, was aborted or expired (a night without a
 * recovery point), and an attempt to disable or delete the vault's KMS key (which would make
 * every recovery point unreadable) or to change its policy (the step before either).
 */
import type { CfnResource } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface BackupMonitoringProps {
  /** The backed-up table: only its jobs are reported. */
  readonly table: ITable;
  /** The key encrypting the backup vault. */
  readonly backupKey: IKey;
  /** Where the alerts go. Its policy must let events.amazonaws.com publish (AlertTopic does). */
  readonly topic: ITopic;
}

/** AWS Backup job states that mean "no usable recovery point from this job". */
export const FAILED_BACKUP_JOB_STATES = ['FAILED', 'ABORTED', 'EXPIRED'] as const;

/** KMS API calls on the vault key that are alerted on. */
export const ALERTED_KEY_EVENTS = ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy'] as const;

/**
 * Logical IDs are this construct's ID plus a fixed suffix: `<id>JobFailedRule`,
 * `<id>KeyChangeRule`.
 */
export class BackupMonitoring extends Construct {
  readonly jobFailedRule: Rule;
  readonly keyChangeRule: Rule;

  constructor(scope: Construct, id: string, props: BackupMonitoringProps) {
    super(scope, id);
    // The topic's policy is AlertTopic's business: this target only points the rule at it
    // (events_targets.SnsTopic would add a second, unconditioned publish grant).
    const toTopic: IRuleTarget = { bind: () => ({ arn: props.topic.topicArn }) };

    this.jobFailedRule = new Rule(this, 'JobFailedRule', {
      description: 'A backup or copy job of the execution-state table failed, was aborted or expired',
      eventPattern: {
        source: ['aws.backup'],
        detailType: ['Backup Job State Change', 'Copy Job State Change'],
        detail: { state: [...FAILED_BACKUP_JOB_STATES], resourceArn: [props.table.tableArn] },
      },
      targets: [toTopic],
    });

    // CloudTrail management events reach EventBridge only while a trail records them in this
    // region (an account prerequisite, ADR 0002). KeyId in these calls is the key ID or ARN,
    // never an alias, so matching both covers every way to name the key.
    this.keyChangeRule = new Rule(this, 'KeyChangeRule', {
      description: 'Someone disabled, scheduled the deletion of, or changed the policy of the execution-state backup vault key',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: [...ALERTED_KEY_EVENTS],
          requestParameters: { keyId: [props.backupKey.keyArn, props.backupKey.keyId] },
        },
      },
      targets: [toTopic],
    });

    (this.jobFailedRule.node.defaultChild as CfnResource).overrideLogicalId(`${id}JobFailedRule`);
    (this.keyChangeRule.node.defaultChild as CfnResource).overrideLogicalId(`${id}KeyChangeRule`);
  }
}
