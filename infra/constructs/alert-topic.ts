/**
 * The one SNS topic every alert of the stage goes to: the SAM stack's CloudWatch alarms and the
 * EventBridge rules of BackupMonitoring. Encrypted with its own KMS key, which CloudWatch and
 * EventBridge may use to publish; an optional e-mail subscription makes someone receive it.
 */
import { Aws, CfnCondition, Fn, RemovalPolicy, type CfnElement } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnSubscription, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct, type IConstruct } from 'constructs';

export interface AlertTopicProps {
  /** Physical name prefix: the topic is `<name>-alerts`, its key alias `alias/<name>-alerts`. May be a token. */
  readonly name: string;
  /**
   * Address subscribed to the topic (SNS sends it a confirmation e-mail first); empty for none.
   * Usually a parameter's value: the subscription exists only when the value is not empty.
   */
  readonly email: string;
}

/** The AWS services that publish alerts to the topic (both need the key to do it). */
const PUBLISHERS = {
  /** CloudWatch alarms (the SAM stack's function alarms). */
  CloudWatchAlarms: { service: 'cloudwatch.amazonaws.com', sourceArn: `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  /** EventBridge rules (BackupMonitoring). */
  EventBridgeRules: { service: 'events.amazonaws.com', sourceArn: `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/*` },
} as const;

/**
 * Logical IDs are this construct's ID plus a fixed suffix: `<id>Topic`, `<id>TopicPolicy`,
 * `<id>Key`, `<id>KeyAlias`, `<id>Email` (the subscription) and the condition `<id>HasEmail`.
 */
export class AlertTopic extends Construct {
  readonly topic: Topic;
  /** Encrypts the topic's messages at rest. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const pin = (element: IConstruct, suffix: string): void => {
      const cfn = (element.node.defaultChild ?? element) as CfnElement;
      cfn.overrideLogicalId(`${id}${suffix}`);
    };

    // Its own key, not the backup vault's: an alert about that key must still be deliverable
    // when it is disabled. Messages are transient, so the key goes with the stack.
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the execution-state alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    pin(this.key, 'Key');
    pin(this.key.addAlias(Fn.join('', ['alias/', props.name, '-alerts'])), 'KeyAlias');

    this.topic = new Topic(this, 'Topic', {
      topicName: Fn.join('', [props.name, '-alerts']),
      displayName: 'DataOps execution-state alerts',
      masterKey: this.key,
      // Denies publishing over plain HTTP.
      enforceSSL: true,
    });
    pin(this.topic, 'Topic');

    for (const [publisher, { service, sourceArn }] of Object.entries(PUBLISHERS)) {
      // The topic policy replaces SNS's default one, so each publisher is allowed explicitly,
      // and only from this account's alarms and rules (no confused deputy).
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: `Allow${publisher}ToPublish`,
          effect: Effect.ALLOW,
          principals: [new ServicePrincipal(service)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID }, ArnLike: { 'aws:SourceArn': sourceArn } },
        }),
      );
      // Publishing to an encrypted topic makes SNS use the key on the publisher's behalf. No
      // source conditions here: SNS makes the call, and the topic policy above already limits
      // who can publish.
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: `Allow${publisher}ToEncryptMessages`,
          effect: Effect.ALLOW,
          principals: [new ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }
    pin(this.topic.node.findChild('Policy'), 'TopicPolicy');

    const hasEmail = new CfnCondition(this, 'HasEmail', { expression: Fn.conditionNot(Fn.conditionEquals(props.email, '')) });
    hasEmail.overrideLogicalId(`${id}HasEmail`);
    const subscription = new CfnSubscription(this, 'Email', { topicArn: this.topic.topicArn, protocol: 'email', endpoint: props.email });
    subscription.cfnOptions.condition = hasEmail;
    pin(subscription, 'Email');
  }
}
