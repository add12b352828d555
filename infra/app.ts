/**
 * CDK app entry (cdk.json points here). `npm run synth` is the usual way in: it writes the
 * deterministic template that the SAM stack includes. `npx cdk synth` works too.
 */
import { App, DefaultStackSynthesizer } from 'aws-cdk-lib';
import { ExecutionStateStack } from './execution-state-stack.js';

const app = new App();
new ExecutionStateStack(app, 'ExecutionState', {
  stage: app.node.tryGetContext('stage') ?? 'prod',
  synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
});
app.synth();
