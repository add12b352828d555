/** `exstate scheduler run`: the scheduler Lambda's work, run from here. */
import type { Command } from 'commander';
import { runScheduler, workerIdFor } from '../../handlers/run-scheduler.js';
import type { CliDeps } from '../deps.js';
import { EXIT_CODES } from '../errors.js';
import { plural, printJson } from '../format.js';

export function registerSchedulerCommands(program: Command, deps: CliDeps): void {
  const scheduler = program.command('scheduler').description("the scheduler Lambda's work, run from here");
  scheduler
    .command('run')
    .description('run the scheduler once against the configured table (creates due recurring tasks, claims due notifications), as the Lambda does')
    .addOption(deps.jsonOption())
    .action(
      deps.action({}, async (options: { json?: boolean }) => {
        const { store } = deps.connect();
        const o = deps.output(options.json);
        const summary = await runScheduler(store, {
          workerId: workerIdFor({ functionName: 'exstate', awsRequestId: `${process.pid}-${Date.now()}` }),
          // The JSON log lines go to stderr; stdout carries the summary.
          log: (record) => void deps.io.stderr.write(`${JSON.stringify(record)}\n`),
        });
        if (o.json) printJson(o, summary);
        else o.write(`Scheduler run: ${plural(summary.created, 'task')} created (${summary.skipped} skipped), ${plural(summary.claimed, 'notification')} claimed (${summary.lost} lost to another worker)${summary.errors ? `, ${plural(summary.errors, 'error')}` : ''}.`);
        // Each failed schedule or claim is one of the log lines above; the run itself finished.
        if (summary.errors) deps.finish(EXIT_CODES.REJECTED, `The scheduler run had ${plural(summary.errors, 'error')}; see the log lines above.`);
      }),
    );
}
