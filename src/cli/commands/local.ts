/** `exstate local` (what `npm start` runs): DynamoDB Local, the table, demo data, the report. */
import { Option, type Command } from 'commander';
import { LOCAL_TABLE_NAME } from '../../config.js';
import { integerArg, ruleOption } from '../args.js';
import type { CliDeps } from '../deps.js';
import { EXIT_CODES } from '../errors.js';
import { DEFAULT_DB_PATH, runLocal } from '../local.js';

export function registerLocalCommands(program: Command, deps: CliDeps): void {
  program
    .command('local')
    .description('start DynamoDB Local with the table and demo data, print the environment and the access-pattern report; Ctrl-C stops it (what `npm start` runs)')
    .addOption(ruleOption('--port <port>', 'port for DynamoDB Local', integerArg(1, 65535)).default(8000))
    .option('--in-memory', 'keep the data in memory only (nothing under .local/)', false)
    .option('--db-path <dir>', 'directory for the database file', DEFAULT_DB_PATH)
    .addOption(new Option('--endpoint <url>', 'use a DynamoDB Local on this machine that is already running (e.g. Docker) instead of starting one'))
    .option('--no-seed', 'do not load the fixture into an empty table')
    .addOption(deps.jsonOption())
    .action(
      deps.action(
        { port: '--port', dbPath: '--db-path', endpoint: '--endpoint' },
        async (options: { port: number; inMemory: boolean; dbPath: string; endpoint?: string; seed: boolean; json?: boolean }, command: Command) => {
          if (options.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(options.endpoint)) {
            command.error(`error: option '--endpoint <url>' argument '${options.endpoint}' is invalid. expected a URL like http://127.0.0.1:8000.`, {
              exitCode: EXIT_CODES.USAGE,
              code: 'commander.invalidArgument',
            });
          }
          deps.context.endpoint = options.endpoint ?? `http://127.0.0.1:${options.port}`;
          deps.context.tableName = deps.io.env.DATAOPS_EXECUTION_TABLE?.trim() || LOCAL_TABLE_NAME;
          const exitCode = await runLocal(
            { port: options.port, inMemory: options.inMemory, dbPath: options.dbPath, endpoint: options.endpoint, seed: options.seed, json: options.json === true },
            deps.output(options.json),
          );
          if (exitCode !== EXIT_CODES.OK) deps.finish(exitCode);
        },
      ),
    );
}
