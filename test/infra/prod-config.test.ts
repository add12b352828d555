/**
 * Alerts reach a person in production: the committed prod configuration (samconfig.toml,
 * [prod.deploy.parameters] parameter_overrides) applied to the SAM template and to the nested
 * synthesized template, with parameters, Rules and Conditions resolved as that deploy would
 * resolve them. Every alarm must have an action, every action must be the alert topic, and the
 * topic must have an e-mail subscription; the backup alert rules publish to the same topic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSamTemplate, type SamTemplate } from '../../infra/sam-template.js';
import { LOGICAL_IDS, OUTPUT_NAMES } from '../../infra/execution-state-stack.js';
import { TEMPLATE_FILE } from '../../infra/synth.js';
import {
  conditionValues,
  deployedResources,
  evaluateCondition,
  parameterValues,
  resolveConditionals,
  samconfigParameterOverrides,
  type ParameterValues,
} from './support.js';

interface CfnResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
}
interface CfnTemplate {
  Parameters?: Record<string, { Default?: unknown; AllowedPattern?: string; AllowedValues?: unknown[] }>;
  Rules?: SamTemplate['Rules'];
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

const APP = 'ExecutionState';
const samTemplate = loadSamTemplate() as unknown as CfnTemplate;
const nestedTemplate = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as CfnTemplate;
const topicOutput = { 'Fn::GetAtt': [APP, `Outputs.${OUTPUT_NAMES.alertTopicArn}`] };

/** Why CloudFormation would refuse these parameter values (AllowedPattern, AllowedValues, Rules). */
function refusals(template: CfnTemplate, values: ParameterValues): string[] {
  const found: string[] = [];
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = values[name]!;
    if (parameter.AllowedPattern !== undefined && !new RegExp(`^(?:${parameter.AllowedPattern})$`).test(value)) found.push(`${name}: AllowedPattern`);
    if (parameter.AllowedValues !== undefined && !parameter.AllowedValues.map(String).includes(value)) found.push(`${name}: AllowedValues`);
  }
  for (const [name, rule] of Object.entries(template.Rules ?? {})) {
    if (rule.RuleCondition !== undefined && !evaluateCondition(rule.RuleCondition, template, values)) continue;
    for (const assertion of rule.Assertions) {
      if (!evaluateCondition(assertion.Assert, template, values)) found.push(`${name}: ${assertion.AssertDescription ?? 'assertion'}`);
    }
  }
  return found;
}

/** What a `sam deploy` with these overrides creates: both stacks, conditions resolved. */
function deployment(overrides: ParameterValues) {
  const samValues = parameterValues(samTemplate, overrides);
  const samResources = deployedResources(samTemplate.Resources, conditionValues(samTemplate, samValues));
  // The nested stack's parameters are the SAM stack's values (Ref) or literals.
  const passed = (samTemplate.Resources[APP]!.Properties!.Parameters ?? {}) as Record<string, unknown>;
  const nestedValues = parameterValues(
    nestedTemplate,
    Object.fromEntries(Object.entries(passed).map(([name, value]) => [name, typeof value === 'string' ? value : samValues[(value as { Ref: string }).Ref]!])),
  );
  const nestedConditions = conditionValues(nestedTemplate, nestedValues);
  const nestedResources = deployedResources(nestedTemplate.Resources, nestedConditions);
  const ofType = (resources: Record<string, CfnResource>, type: string) =>
    Object.entries(resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]) => ({ id, properties: resolveConditionals(resource.Properties ?? {}, nestedConditions) as Record<string, unknown> }));
  const samConditions = conditionValues(samTemplate, samValues);
  return {
    refused: [...refusals(samTemplate, samValues), ...refusals(nestedTemplate, nestedValues)],
    alarms: Object.entries(samResources)
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([id, resource]) => ({ id, properties: resolveConditionals(resource.Properties ?? {}, samConditions) as Record<string, unknown> })),
    topicOutput: nestedTemplate.Outputs?.[OUTPUT_NAMES.alertTopicArn]?.Value,
    topics: ofType(nestedResources, 'AWS::SNS::Topic'),
    subscriptions: ofType(nestedResources, 'AWS::SNS::Subscription'),
    eventRules: ofType(nestedResources, 'AWS::Events::Rule'),
    nestedValues,
  };
}

const prodOverrides = samconfigParameterOverrides('prod');
const prod = deployment(prodOverrides);
const topicRef = { Ref: LOGICAL_IDS.alertTopic };

describe('the committed prod configuration', () => {
  it('is a prod deploy that CloudFormation accepts (parameter constraints and Rules)', () => {
    expect(prodOverrides.Stage).toBe('prod');
    expect(prod.refused).toEqual([]);
  });

  it('gives every alarm an action, and every action is the alert topic', () => {
    expect(prod.alarms.length).toBeGreaterThanOrEqual(2);
    for (const alarm of prod.alarms) {
      const actions = alarm.properties.AlarmActions as unknown[] | undefined;
      expect(actions?.length, `${alarm.id} AlarmActions`).toBeGreaterThan(0);
      for (const action of actions!) expect(action, alarm.id).toEqual(topicOutput);
    }
  });

  it('the alert topic output is the deployed topic, and it has an e-mail subscription to the configured address', () => {
    expect(prod.topicOutput).toEqual(topicRef);
    expect(prod.topics.map((topic) => topic.id)).toContain(LOGICAL_IDS.alertTopic);
    const email = prod.subscriptions.filter((subscription) => subscription.properties.Protocol === 'email');
    expect(email).toHaveLength(1);
    expect(email[0]!.properties.TopicArn).toEqual(topicRef);
    expect(email[0]!.properties.Endpoint).toEqual({ Ref: 'AlarmEmail' });
    expect(prod.nestedValues.AlarmEmail).toBe(prodOverrides.AlarmEmail);
    expect(prod.nestedValues.AlarmEmail).toMatch(/^[^@\s]+@[^@\s]+\.[^@\s]+$/);
  });

  it('sends the backup alerts (failed jobs, key changes) to the same topic', () => {
    expect(prod.eventRules.map((rule) => rule.id).sort()).toEqual([LOGICAL_IDS.backupJobFailedRule, LOGICAL_IDS.backupKeyChangeRule].sort());
    for (const rule of prod.eventRules) {
      expect((rule.properties.Targets as { Arn: unknown }[]).map((target) => target.Arn), rule.id).toEqual([topicRef]);
    }
  });
});

describe('the check itself', () => {
  it('refuses a prod deploy without AlarmEmail, and such a deploy would have no subscriber', () => {
    const { AlarmEmail: _omitted, ...withoutEmail } = prodOverrides;
    const unreachable = deployment(withoutEmail);
    expect(unreachable.refused.join('\n')).toMatch(/ProdAlertsReachSomeone/);
    expect(unreachable.subscriptions).toEqual([]);
  });

  it('rejects an address that is not one', () => {
    expect(deployment({ ...prodOverrides, AlarmEmail: 'on-call team' }).refused.join('\n')).toMatch(/AlarmEmail: AllowedPattern/);
  });

  it('sees an alarm whose action a condition removes', () => {
    const saved = structuredClone(samTemplate);
    try {
      samTemplate.Conditions = { Never: { 'Fn::Equals': ['a', 'b'] } };
      const alarm = Object.values(samTemplate.Resources).find((resource) => resource.Type === 'AWS::CloudWatch::Alarm')!;
      alarm.Properties!.AlarmActions = { 'Fn::If': ['Never', [topicOutput], { Ref: 'AWS::NoValue' }] };
      const mutated = deployment(prodOverrides);
      expect(mutated.alarms.some((candidate) => candidate.properties.AlarmActions === undefined)).toBe(true);
    } finally {
      Object.assign(samTemplate, saved);
      if (!saved.Conditions) delete samTemplate.Conditions;
    }
  });

  it('dev (default configuration) still routes alarms to the topic, without a subscriber', () => {
    const dev = deployment(samconfigParameterOverrides('default'));
    expect(dev.refused).toEqual([]);
    expect(dev.alarms.every((alarm) => (alarm.properties.AlarmActions as unknown[] | undefined)?.length)).toBe(true);
    expect(dev.subscriptions).toEqual([]);
  });
});
