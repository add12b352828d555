/**
 * Deterministic synthesis of the execution-state stack into a plain CloudFormation template:
 * no bootstrap parameter or rule, no CDK metadata resource, no path or asset metadata, keys
 * sorted, two-space JSON with a trailing newline. `npm run synth` writes it to
 * lambda-functions/execution-state.template.json; test/infra/synth-drift.test.ts fails when the
 * committed file differs from a fresh synthesis.
 *
 * The CDK CLI (`npx cdk synth`, via cdk.json and infra/app.ts) and `npm run synth` build the app
 * the same way: both go through createExecutionStateApp() with the context from cdk.json.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, DefaultStackSynthesizer, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { ExecutionStateStack, type ExecutionStateStackProps } from './execution-state-stack.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Relative to the repository root. */
export const TEMPLATE_PATH = 'lambda-functions/execution-state.template.json';
export const TEMPLATE_FILE = resolve(REPO_ROOT, TEMPLATE_PATH);
/** The CDK stack's construct ID (also the CloudFormation stack name if it were deployed alone). */
export const STACK_ID = 'ExecutionState';

/** The `context` block of cdk.json: the one place the app's CDK context (feature flags) lives. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** The rule packs every synthesis is checked against (zero unacknowledged findings). */
export function nagPacks(): [AwsSolutionsChecks, NIST80053R5Checks] {
  return [new AwsSolutionsChecks(), new NIST80053R5Checks()];
}

export interface ExecutionStateApp {
  app: App;
  stack: ExecutionStateStack;
}

export function createExecutionStateApp(
  props: ExecutionStateStackProps = {},
  appProps: AppProps = {},
): ExecutionStateApp {
  const app = new App({
    ...appProps,
    analyticsReporting: false,
    context: {
      ...cdkJsonContext(),
      'aws:cdk:enable-path-metadata': false,
      'aws:cdk:enable-asset-metadata': false,
      ...appProps.context,
    },
  });
  // The nag packs run as CDK validation plugins: a synthesis with an unacknowledged finding fails.
  Validations.of(app).addPlugins(...nagPacks());
  const stack = new ExecutionStateStack(app, STACK_ID, {
    ...props,
    // No bootstrap version parameter/rule: the template is deployed by SAM as a nested stack,
    // never by `cdk deploy` into a bootstrapped environment.
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  return { app, stack };
}

/**
 * Every unacknowledged cdk-nag finding in the stack, as `<rule> at <construct path>`.
 * (The validation plugins registered on the app also fail `cdk synth`; this check does not
 * depend on how the CDK reports plugin results in the current process.)
 */
export function nagFindings(stack: ExecutionStateStack): string[] {
  return nagPacks().flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? '?'}`)),
  );
}

/** Synthesizes the stack and returns its template with keys sorted (stable output). */
export function synthesizeTemplate(props: ExecutionStateStackProps = {}): Record<string, unknown> {
  const { app, stack } = createExecutionStateApp(props);
  const template = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  const findings = nagFindings(stack);
  if (findings.length > 0) {
    throw new Error(`cdk-nag findings (fix them, or acknowledge each with its reason in infra/):\n  ${findings.join('\n  ')}`);
  }
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
