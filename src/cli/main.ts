/**
 * Entry point of the `exstate` CLI (`npm start` runs `exstate local`). Run it with tsx:
 * `npx tsx src/cli/main.ts …`, `npm run exstate -- …`, or `npx exstate …` (bin/exstate.mjs).
 */
import './env.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// Exit explicitly: open sockets (SDK keep-alive) must not keep a finished command waiting.
process.exit(code);
