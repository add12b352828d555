/**
 * CPU profile of one side of a bench/overhead.ts pair (same canned responses, no network), to see
 * where a call's time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=bench/profiles --import tsx bench/profile.ts list store 5000
 *   node --cpu-prof --cpu-prof-dir=bench/profiles --import tsx bench/profile.ts list hand 5000
 *
 * Arguments: list | get | create, store | hand, milliseconds to loop (default 5000), and `--json`
 * for one line `{ cpuUs, calls }` (how bench/overhead.ts measures each side). Open the
 * .cpuprofile in Chrome DevTools (Performance) or VS Code. Each side runs in its own process:
 * in one process, the side that runs second pays for the garbage of the first.
 */
import { overheadPairs } from './overhead.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const json = process.argv.includes('--json');
const [key = 'list', side = 'store', ms = '5000'] = process.argv.slice(2).filter((arg) => arg !== '--json');
const pair = overheadPairs().find((candidate) => candidate.key === key);
if (!pair || (side !== 'store' && side !== 'hand')) {
  console.error('usage: bench/profile.ts <list|get|create> <store|hand> [ms]');
  process.exit(2);
}
const run = pair[side];
// Warm up until the JIT has settled (at least 1,000 calls and 1 s): a warm Lambda serves many
// requests, and the side with more code would otherwise pay its compilation in the measurement.
const warmUntil = Date.now() + 1000;
for (let i = 0; i < 1000 || Date.now() < warmUntil; i += 1) await run();
const cpuStart = process.cpuUsage();
const until = Date.now() + Number(ms);
let calls = 0;
while (Date.now() < until) {
  await run();
  calls += 1;
}
const cpu = process.cpuUsage(cpuStart);
const cpuUs = (cpu.user + cpu.system) / calls;
if (json) console.log(JSON.stringify({ cpuUs, calls }));
else console.log(`${pair.operation}, ${side}: ${calls} calls, ${cpuUs.toFixed(1)} µs CPU per call`);
