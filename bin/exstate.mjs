#!/usr/bin/env node
// The `exstate` command (package.json "bin"): runs src/cli/main.ts through tsx in this same
// process, so exit codes and signals (Ctrl-C) reach the CLI directly. Works from any directory.
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { register } = await import('tsx/esm/api');
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('../src/cli/main.ts', import.meta.url).href);
