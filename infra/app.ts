/**
 * CDK app entry (cdk.json points here), so `npx cdk synth` works. `npm run synth` is the usual
 * way in: it writes the deterministic template that the SAM stack includes. Both build the app
 * with createExecutionStateApp(). Do not `cdk deploy` this stack: SAM deploys it (docs/adr/0002).
 */
import { createExecutionStateApp } from './synth.js';

createExecutionStateApp().app.synth();
