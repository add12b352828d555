/**
 * CDK app entry: cdk.json points here, for the CDK CLI (`cdk synth`; the CLI is not a project
 * dependency). `npm run synth` is the way in: it writes the deterministic template that the SAM
 * stack includes. Both build the app with createExecutionStateApp(), so they produce the same
 * template. Do not `cdk deploy` this stack: SAM deploys it (docs/adr/0002).
 */
import { createExecutionStateApp } from './synth.js';

createExecutionStateApp().app.synth();
