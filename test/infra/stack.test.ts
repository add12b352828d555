/**
 * aws-cdk-lib/assertions tests for every property the execution-state stack promises
 * (issue: CDK app, item 1). Values come from src/table-layout.ts and the stack's exported
 * constants, never retyped here, except where the number itself is the requirement.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { INDEXES, KEY_ATTRIBUTES, SECONDARY_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE, type IndexKey } from '../../src/table-layout.js';
import {
  ALARM_EMAIL_PARAMETER,
  ALARM_EMAIL_PATTERN,
  indexArnOutputName,
  LOGICAL_IDS,
  NAME_PREFIX,
  OUTPUT_NAMES,
  RETENTION_DEFAULTS,
  STAGE_PARAMETER,
  STAGE_PATTERN,
  VAULT_LOCK_PARAMETER,
} from '../../infra/execution-state-stack.js';
import { ALERTED_KEY_EVENTS, FAILED_BACKUP_JOB_STATES } from '../../infra/constructs/backup-monitoring.js';
import { VAULT_LOCK_GRACE_DAYS, VAULT_LOCK_MODES } from '../../infra/constructs/table-backup.js';
import { REPO_ROOT } from '../../infra/synth.js';
import { conditionValues, parameterValues, resolveConditionals, synthesize } from './support.js';

const { template } = synthesize();
const json = template.toJSON() as {
  Parameters: Record<string, Record<string, unknown>>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Condition?: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Outputs: Record<string, { Value: unknown; Description?: string }>;
};
const tableProps = json.Resources[LOGICAL_IDS.table]!.Properties;
const stageName = { 'Fn::Join': ['-', [NAME_PREFIX, { Ref: STAGE_PARAMETER }]] };

describe('execution-state table', () => {
  it('is the one AWS::DynamoDB::Table (the Table construct, single region), under its fixed logical ID', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    expect(json.Resources[LOGICAL_IDS.table]!.Type).toBe('AWS::DynamoDB::Table');
  });

  it('bills per request', () => {
    expect(tableProps.BillingMode).toBe('PAY_PER_REQUEST');
    expect(tableProps.ProvisionedThroughput).toBeUndefined();
  });

  it('has the layout module’s pk/sk as its key schema', () => {
    expect(tableProps.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.pk, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sk, KeyType: 'RANGE' },
    ]);
  });

  it('defines exactly the key attributes of the layout, all strings', () => {
    const definitions = tableProps.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(definitions.map((definition) => definition.AttributeName).sort()).toEqual([...KEY_ATTRIBUTES].sort());
    expect(new Set(definitions.map((definition) => definition.AttributeType))).toEqual(new Set(['S']));
  });

  it('has every GSI of the layout (and no other), each projecting ALL attributes', () => {
    const gsis = tableProps.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown; ProvisionedThroughput?: unknown }[];
    expect(gsis.map((gsi) => gsi.IndexName)).toEqual(SECONDARY_INDEXES.map((index) => index.indexName));
    for (const index of SECONDARY_INDEXES) {
      const gsi = gsis.find((candidate) => candidate.IndexName === index.indexName)!;
      expect(gsi.KeySchema, index.indexName).toEqual([
        { AttributeName: index.pk, KeyType: 'HASH' },
        { AttributeName: index.sk, KeyType: 'RANGE' },
      ]);
      expect(gsi.Projection, index.indexName).toEqual({ ProjectionType: 'ALL' });
      expect(gsi.ProvisionedThroughput, index.indexName).toBeUndefined();
    }
    expect(tableProps.LocalSecondaryIndexes).toBeUndefined();
  });

  it('keeps 35 days of point-in-time recovery', () => {
    expect(tableProps.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 });
  });

  it('is protected from deletion: DeletionProtectionEnabled, DeletionPolicy and UpdateReplacePolicy Retain', () => {
    expect(tableProps.DeletionProtectionEnabled).toBe(true);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('expires items by TTL on expires_at', () => {
    expect(TTL_ATTRIBUTE).toBe('expires_at');
    expect(tableProps.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('streams new and old images', () => {
    expect(tableProps.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('states server-side encryption explicitly (KMS)', () => {
    expect(tableProps.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
  });

  it('is named from the stage: dataops-execution-<Stage>', () => {
    expect(tableProps.TableName).toEqual(stageName);
    expect(json.Parameters[STAGE_PARAMETER]).toMatchObject({ Type: 'String', AllowedPattern: STAGE_PATTERN });
    expect(json.Parameters[STAGE_PARAMETER]!.Default).toBeUndefined();
    const pattern = new RegExp(STAGE_PATTERN);
    for (const stage of ['dev', 'prod', 'staging', 'pr-123']) expect(pattern.test(stage), stage).toBe(true);
    for (const stage of ['', 'p', 'Prod', '1dev', 'dev_1', 'a-very-long-stage-name']) expect(pattern.test(stage), stage).toBe(false);
  });

  it('carries the Project, App, DataClass, Owner, Backup and Stage tags', () => {
    const tags = tableProps.Tags as { Key: string; Value: unknown }[];
    expect(Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]))).toEqual({
      Project: 'dataops',
      App: 'execution-state',
      DataClass: 'ExecutionState',
      Owner: 'dataops-platform',
      Backup: 'daily-35d-monthly-365d-pitr-35d',
      Stage: { Ref: STAGE_PARAMETER },
    });
  });

  it('takes the owner and retention settings from props', () => {
    const custom = synthesize({ owner: 'team-x', pointInTimeRecoveryDays: 7, dailyBackupRetentionDays: 14, monthlyBackupRetentionDays: 730 }).template;
    custom.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
      Tags: Match.arrayWith([{ Key: 'Backup', Value: 'daily-14d-monthly-730d-pitr-7d' }, { Key: 'Owner', Value: 'team-x' }]),
    });
    custom.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 14 } }), Match.objectLike({ Lifecycle: { DeleteAfterDays: 730 } })] },
    });
  });
});

describe('AWS Backup', () => {
  it('backs the table up daily (35 days) and monthly (365 days) into the stack’s vault', () => {
    expect(RETENTION_DEFAULTS).toEqual({ pointInTimeRecoveryDays: 35, dailyBackupRetentionDays: 35, monthlyBackupRetentionDays: 365 });
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    const vaultName = { 'Fn::GetAtt': [LOGICAL_IDS.backupVault, 'BackupVaultName'] };
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanName: stageName,
        BackupPlanRule: [
          Match.objectLike({ RuleName: 'Daily', ScheduleExpression: 'cron(0 3 * * ? *)', Lifecycle: { DeleteAfterDays: 35 }, TargetBackupVault: vaultName }),
          Match.objectLike({ RuleName: 'Monthly', ScheduleExpression: 'cron(0 4 1 * ? *)', Lifecycle: { DeleteAfterDays: 365 }, TargetBackupVault: vaultName }),
        ],
      },
    });
  });

  it('selects exactly the table, with a role AWS Backup can assume to back up and restore', () => {
    template.resourceCountIs('AWS::Backup::BackupSelection', 1);
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupPlanId: { 'Fn::GetAtt': [LOGICAL_IDS.backupPlan, 'BackupPlanId'] },
      BackupSelection: {
        Resources: [{ 'Fn::GetAtt': [LOGICAL_IDS.table, 'Arn'] }],
        IamRoleArn: { 'Fn::GetAtt': [LOGICAL_IDS.backupRole, 'Arn'] },
      },
    });
    const role = json.Resources[LOGICAL_IDS.backupRole]!.Properties;
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('backup.amazonaws.com');
    const managed = JSON.stringify(role.ManagedPolicyArns);
    expect(managed).toContain('AWSBackupServiceRolePolicyForBackup');
    expect(managed).toContain('AWSBackupServiceRolePolicyForRestores');
  });

  it('keeps recovery points in a retained vault encrypted with its own rotated, retained KMS key', () => {
    template.hasResource('AWS::Backup::BackupVault', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ BackupVaultName: stageName, EncryptionKeyArn: { 'Fn::GetAtt': [LOGICAL_IDS.backupKey, 'Arn'] } }),
    });
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });

  it('matches the retention stated in ADR 0002', () => {
    const adr = readFileSync(resolve(REPO_ROOT, 'docs/adr/0002-infrastructure-and-backup.md'), 'utf8');
    expect(adr).toContain(`**${RETENTION_DEFAULTS.pointInTimeRecoveryDays}-day** recovery period`);
    expect(adr).toMatch(new RegExp(`\\*\\*Daily\\*\\*[^\\n]*kept \\*\\*${RETENTION_DEFAULTS.dailyBackupRetentionDays} days\\*\\*`));
    expect(adr).toMatch(new RegExp(`\\*\\*monthly\\*\\*[^\\n]*kept \\*\\*${RETENTION_DEFAULTS.monthlyBackupRetentionDays} days\\*\\*`));
  });

  it('denies deleting recovery points by hand', () => {
    const policy = json.Resources[LOGICAL_IDS.backupVault]!.Properties.AccessPolicy as { Statement: { Effect: string; Action: string[] }[] };
    const deny = policy.Statement.find((statement) => statement.Effect === 'Deny');
    expect(deny?.Action).toContain('backup:DeleteRecoveryPoint');
  });
});

interface Statement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const statementsOf = (document: unknown): Statement[] => (document as { Statement: Statement[] }).Statement;
const actions = (statement: Statement): string[] => [statement.Action].flat().sort();
const topicRef = { Ref: LOGICAL_IDS.alertTopic };

describe('backup vault key', () => {
  it('nobody may disable it or schedule its deletion (lifting that takes a key policy change)', () => {
    const deny = statementsOf(json.Resources[LOGICAL_IDS.backupKey]!.Properties.KeyPolicy).filter((statement) => statement.Effect === 'Deny');
    expect(deny).toHaveLength(1);
    expect(deny[0]).toMatchObject({ Principal: { AWS: '*' }, Resource: '*' });
    expect(actions(deny[0]!)).toEqual(['kms:DisableKey', 'kms:ScheduleKeyDeletion']);
    expect(deny[0]!.Condition).toBeUndefined();
  });
});

describe('Backup Vault Lock (parameter-switched, off by default)', () => {
  const lockFor = (mode: string, synthesized = json) => {
    const values = parameterValues(synthesized, { [STAGE_PARAMETER]: 'dev', [VAULT_LOCK_PARAMETER]: mode });
    const vault = resolveConditionals(synthesized.Resources[LOGICAL_IDS.backupVault]!.Properties, conditionValues(synthesized, values)) as Record<string, unknown>;
    return vault.LockConfiguration;
  };

  it('is a parameter with the modes none, governance and compliance, default none', () => {
    expect(json.Parameters[VAULT_LOCK_PARAMETER]).toMatchObject({ Type: 'String', Default: 'none', AllowedValues: [...VAULT_LOCK_MODES] });
    expect(VAULT_LOCK_MODES).toEqual(['none', 'governance', 'compliance']);
  });

  it('none: the vault has no lock', () => {
    expect(lockFor('none')).toBeUndefined();
  });

  it('governance: locks the retention range of the plan (daily to monthly), removable', () => {
    expect(lockFor('governance')).toEqual({ MinRetentionDays: 35, MaxRetentionDays: 365 });
  });

  it(`compliance: the same, becoming immutable after ${VAULT_LOCK_GRACE_DAYS} days`, () => {
    expect(VAULT_LOCK_GRACE_DAYS).toBe(3);
    expect(lockFor('compliance')).toEqual({ MinRetentionDays: 35, MaxRetentionDays: 365, ChangeableForDays: VAULT_LOCK_GRACE_DAYS });
  });

  it('follows the retention settings', () => {
    const custom = synthesize({ dailyBackupRetentionDays: 14, monthlyBackupRetentionDays: 730 }).template.toJSON() as typeof json;
    expect(lockFor('governance', custom)).toEqual({ MinRetentionDays: 14, MaxRetentionDays: 730 });
  });
});

describe('alert topic', () => {
  const topic = json.Resources[LOGICAL_IDS.alertTopic]!;
  const topicPolicy = statementsOf(json.Resources[LOGICAL_IDS.alertTopicPolicy]!.Properties.PolicyDocument);
  const keyPolicy = statementsOf(json.Resources[LOGICAL_IDS.alertKey]!.Properties.KeyPolicy);

  it('is encrypted with its own rotated key (not the backup vault key) and named from the stage', () => {
    expect(topic.Type).toBe('AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [LOGICAL_IDS.alertKey, 'Arn'] });
    expect(json.Resources[LOGICAL_IDS.alertKey]!.Properties.EnableKeyRotation).toBe(true);
    expect(topic.Properties.TopicName).toEqual({ 'Fn::Join': ['', [stageName, '-alerts']] });
    expect(json.Outputs[OUTPUT_NAMES.alertTopicArn]!.Value).toEqual(topicRef);
  });

  it('accepts publishing over TLS only', () => {
    expect(topicPolicy).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  for (const [service, source] of [
    ['cloudwatch.amazonaws.com', ':alarm:*'],
    ['events.amazonaws.com', ':rule/*'],
  ] as const) {
    it(`lets ${service} publish, only for this account's ${source === ':alarm:*' ? 'alarms' : 'rules'}, and use the key for it`, () => {
      const allow = topicPolicy.filter((statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Principal) === JSON.stringify({ Service: service }));
      expect(allow).toHaveLength(1);
      expect(allow[0]).toMatchObject({ Action: 'sns:Publish', Resource: topicRef });
      expect(allow[0]!.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
      expect(JSON.stringify(allow[0]!.Condition?.ArnLike?.['aws:SourceArn'])).toContain(source);
      const key = keyPolicy.filter((statement) => JSON.stringify(statement.Principal) === JSON.stringify({ Service: service }));
      expect(key).toHaveLength(1);
      expect(actions(key[0]!)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    });
  }

  it('subscribes the AlarmEmail address, when one is given', () => {
    const subscription = json.Resources[LOGICAL_IDS.alertEmailSubscription]!;
    expect(subscription.Properties).toEqual({ TopicArn: topicRef, Protocol: 'email', Endpoint: { Ref: ALARM_EMAIL_PARAMETER } });
    const deployed = (email: string) =>
      conditionValues(json, parameterValues(json, { [STAGE_PARAMETER]: 'prod', [ALARM_EMAIL_PARAMETER]: email }))[subscription.Condition!];
    expect(deployed('oncall@example.org')).toBe(true);
    expect(deployed('')).toBe(false);
    expect(json.Parameters[ALARM_EMAIL_PARAMETER]).toMatchObject({ Type: 'String', Default: '', AllowedPattern: ALARM_EMAIL_PATTERN });
    const pattern = new RegExp(ALARM_EMAIL_PATTERN);
    for (const accepted of ['', 'oncall@example.org', 'data-ops+alerts@mail.example.co.uk']) expect(pattern.test(accepted), accepted).toBe(true);
    for (const rejected of ['oncall', 'on call@example.org', '@example.org', 'a@b', 'a@@b.c']) expect(pattern.test(rejected), rejected).toBe(false);
  });
});

describe('backup alerts', () => {
  const rule = (id: string) => json.Resources[id]!.Properties as { EventPattern: Record<string, unknown>; Targets: { Arn: unknown }[]; State: string };

  it('reports failed, aborted and expired backup and copy jobs of the table to the alert topic', () => {
    expect([...FAILED_BACKUP_JOB_STATES]).toEqual(['FAILED', 'ABORTED', 'EXPIRED']);
    const failed = rule(LOGICAL_IDS.backupJobFailedRule);
    expect(failed.EventPattern).toEqual({
      source: ['aws.backup'],
      'detail-type': ['Backup Job State Change', 'Copy Job State Change'],
      detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'], resourceArn: [{ 'Fn::GetAtt': [LOGICAL_IDS.table, 'Arn'] }] },
    });
    expect(failed.State).toBe('ENABLED');
    expect(failed.Targets.map((target) => target.Arn)).toEqual([topicRef]);
  });

  it('reports disabling, scheduling the deletion of, or re-policying the backup vault key, however the key is named', () => {
    expect([...ALERTED_KEY_EVENTS]).toEqual(expect.arrayContaining(['ScheduleKeyDeletion', 'DisableKey']));
    const keyChange = rule(LOGICAL_IDS.backupKeyChangeRule);
    expect(keyChange.EventPattern).toEqual({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        eventName: ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy'],
        requestParameters: { keyId: [{ 'Fn::GetAtt': [LOGICAL_IDS.backupKey, 'Arn'] }, { Ref: LOGICAL_IDS.backupKey }] },
      },
    });
    expect(keyChange.Targets.map((target) => target.Arn)).toEqual([topicRef]);
  });
});

describe('contract with the SAM stack', () => {
  it('has fixed logical IDs (renaming one would replace the resource)', () => {
    expect(LOGICAL_IDS.table).toBe('ExecutionTable');
    expect(Object.keys(json.Resources).sort()).toEqual(Object.values(LOGICAL_IDS).sort());
  });

  it('exports the stable outputs, each with a description', () => {
    expect(json.Outputs[OUTPUT_NAMES.tableName]!.Value).toEqual({ Ref: LOGICAL_IDS.table });
    expect(json.Outputs[OUTPUT_NAMES.tableArn]!.Value).toEqual({ 'Fn::GetAtt': [LOGICAL_IDS.table, 'Arn'] });
    expect(json.Outputs[OUTPUT_NAMES.tableStreamArn]!.Value).toEqual({ 'Fn::GetAtt': [LOGICAL_IDS.table, 'StreamArn'] });
    expect(OUTPUT_NAMES).toMatchObject({ tableName: 'ExecutionTableName', tableArn: 'ExecutionTableArn', tableStreamArn: 'ExecutionTableStreamArn' });
    const expected = [...Object.values(OUTPUT_NAMES), ...(Object.keys(INDEXES) as IndexKey[]).map(indexArnOutputName)];
    expect(Object.keys(json.Outputs).sort()).toEqual(expected.sort());
    for (const [name, output] of Object.entries(json.Outputs)) expect(output.Description, name).toBeTruthy();
  });

  it('exports one ARN per index, built from the layout’s index name', () => {
    for (const key of Object.keys(INDEXES) as IndexKey[]) {
      expect(json.Outputs[indexArnOutputName(key)]!.Value).toEqual({
        'Fn::Join': ['/', [{ 'Fn::GetAtt': [LOGICAL_IDS.table, 'Arn'] }, `index/${INDEXES[key].indexName}`]],
      });
    }
  });
});

describe('single source of names', () => {
  const files = [
    ...readdirSync(resolve(REPO_ROOT, 'infra'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts')).map((name) => join('infra', name)),
    'lambda-functions/template.full.yaml',
  ];
  const names = [...SECONDARY_INDEXES.map((index) => index.indexName), ...KEY_ATTRIBUTES, TTL_ATTRIBUTE];

  it('no index, key attribute or TTL attribute name is spelled in infra/ or the SAM template', () => {
    expect(files).toContain(join('infra', 'constructs', 'execution-table.ts'));
    for (const file of files) {
      const source = readFileSync(resolve(REPO_ROOT, file), 'utf8');
      for (const name of names) {
        // A string literal or path segment anywhere; in YAML also a bare scalar; an index name
        // (gsiN) even in prose. `index.pk` (a property of the layout) is fine.
        const patterns = [`['"\`/]${name}\\b`, `\\b${name}['"\`]`];
        if (file.endsWith('.yaml')) patterns.push(`(?:^|[\\s:\\[,-])${name}(?=$|[\\s,\\]])`);
        if (/^gsi\d+$/.test(name)) patterns.push(`\\b${name}\\b`);
        expect(new RegExp(patterns.join('|'), 'm').test(source), `${name} is spelled in ${file}: import it from src/table-layout.ts`).toBe(false);
      }
    }
  });
});
