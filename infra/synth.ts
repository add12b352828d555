/**
 * Deterministic synthesis of the execution-state stack into a plain CloudFormation template:
 * no bootstrap parameter or rule, no CDK metadata, no asset references, stable key order.
 * `npm run synth` writes it to lambda-functions/execution-state.template.json; a test fails
 * when the committed file differs from a fresh synthesis.
 */
import { App, DefaultStackSynthesizer } from 'aws-cdk-lib';
import { ExecutionStateStack, type ExecutionStateStackProps } from './execution-state-stack.js';

export const TEMPLATE_PATH = 'lambda-functions/execution-state.template.json';

export function synthesizeTemplate(props: ExecutionStateStackProps = {}): Record<string, unknown> {
  const app = new App({
    analyticsReporting: false,
    context: { 'aws:cdk:enable-path-metadata': false, 'aws:cdk:enable-asset-metadata': false },
  });
  const stack = new ExecutionStateStack(app, 'ExecutionState', {
    ...props,
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const template = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  return sortKeys(template) as Record<string, unknown>;
}

export function renderTemplate(template: Record<string, unknown>): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
