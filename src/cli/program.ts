/**
 * The `exstate` command line: builds the commander program, the dependencies every command
 * group shares (streams, environment, the store connection, output) and registers each group
 * from src/cli/commands/. Every command prints a table for people or one JSON document with
 * --json, and fails with one line and a documented exit code (errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { registerExportCommands } from './commands/export.js';
import { registerLocalCommands } from './commands/local.js';
import { registerMigrateCommands } from './commands/migrate.js';
import { registerNotificationCommands } from './commands/notifications.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { registerSchedulerCommands } from './commands/scheduler.js';
import { registerSeedCommands } from './commands/seed.js';
import { registerTaskCommands } from './commands/tasks.js';
import { registerTemplateCommands } from './commands/templates.js';
import { LOCAL_ENDPOINT } from './connect.js';
import { createCliDeps, type CliDeps, type CliDepsOptions, type CliIo } from './deps.js';
import { describeError, EXIT_CODE_HELP, EXIT_CODES } from './errors.js';
import { describeInterruption } from './interrupt.js';
import { packageVersion } from './project.js';

export type { CliIo } from './deps.js';

/** Every command group, in the order `exstate --help` lists them. */
const COMMAND_GROUPS: readonly ((program: Command, deps: CliDeps) => void)[] = [
  registerLocalCommands,
  registerSeedCommands,
  registerTaskCommands,
  registerScheduleCommands,
  registerSchedulerCommands,
  registerNotificationCommands,
  registerExportCommands,
  registerTemplateCommands,
  registerMigrateCommands,
];

export function buildProgram(io: CliIo, options: CliDepsOptions = {}): { program: Command; deps: CliDeps } {
  const deps = createCliDeps(io, options);
  const program = new Command();

  program
    .name('exstate')
    .version(packageVersion(), '-V, --version', 'print the version')
    .description('The DataOps execution-state store from the command line: local DynamoDB, demo data, the V1 views, export and import.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
Configuration (the same variables the Lambda handlers read):
  DATAOPS_EXECUTION_TABLE  table name (required outside the local/test stage)
  DYNAMODB_ENDPOINT        DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
  DATAOPS_STAGE            local or test: table defaults to dataops-execution-local and, for the
                           CLI, DYNAMODB_ENDPOINT defaults to ${LOCAL_ENDPOINT}
  AWS_REGION, AWS_PROFILE  for a table on AWS
  With none of DATAOPS_STAGE, DATAOPS_EXECUTION_TABLE and DYNAMODB_ENDPOINT set, the CLI uses the
  local stage: the store \`npm start\` runs at ${LOCAL_ENDPOINT}.
  EXSTATE_DEBUG=1 prints stack traces.

Local only: seed, table creation and \`local --endpoint\` run only against a DynamoDB Local on
this machine (127.0.0.0/8, localhost, [::1]); import writes elsewhere only with
--target-table <the configured table name>, and never creates a table there.

${EXIT_CODE_HELP}

Examples:
  npm start                                   # = exstate local
  npx exstate tasks today --assignee anna.schmidt@example.org   # the demo data's admin
  npx exstate tasks overdue --json | jq '.items | length'
  npx exstate export --out ./backup && npx exstate validate-export ./backup`,
    );

  for (const register of COMMAND_GROUPS) register(program, deps);


  // Every leaf command's help ends with the configuration and exit codes too.
  for (const command of program.commands.flatMap((c) => [c, ...c.commands])) {
    if (command.commands.length === 0) command.addHelpText('after', `\nConfiguration and exit codes: exstate --help`);
  }

  return { program, deps };
}

/** Runs the CLI; resolves with the exit code (never throws, never exits the process itself). */
export async function runCli(argv: readonly string[], io: CliIo, options: CliDepsOptions = {}): Promise<number> {
  const { program, deps } = buildProgram(io, options);
  const fail = (message: string): void => void io.stderr.write(`exstate: ${message}\n`);
  let exitCode: number;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (deps.outcome.message !== undefined) fail(deps.outcome.message);
    exitCode = deps.outcome.exitCode ?? EXIT_CODES.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (and the usage hint).
      return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }
    const interrupted = deps.outcome.interruption;
    if (interrupted) {
      // The error is the abort the signal asked for; the signal decides the exit code.
      fail(describeInterruption(interrupted));
      return interrupted.exitCode;
    }
    const described = describeError(error, deps.context);
    fail(described.message);
    if (io.env.EXSTATE_DEBUG === '1' || io.env.EXSTATE_DEBUG === 'true') io.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    return described.exitCode;
  }
  const interrupted = deps.outcome.interruption;
  if (interrupted) {
    fail(describeInterruption(interrupted));
    return interrupted.exitCode;
  }
  return exitCode;
}
