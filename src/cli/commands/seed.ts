/**
 * `exstate seed`: the demo data set into the configured table, only on a DynamoDB Local on this
 * machine (it holds admin users and a session: never meant for a real table).
 */
import { tableHoldsItems } from '../../export/scan.js';
import { Option, type Command } from 'commander';
import { assertLoopbackEndpoint } from '../../config.js';
import { ConfigError, ExecutionStoreError } from '../../errors.js';
import { ensureTable } from '../../local/create-table.js';
import { loadFixture, summarizeLoad } from '../../local/demo-fixture.js';
import { calendarDateArg, ruleOption } from '../args.js';
import type { CliDeps } from '../deps.js';
import { plural, printJson, renderTable } from '../format.js';
import { todayIn } from '../today.js';

export function registerSeedCommands(program: Command, deps: CliDeps): void {
  program
    .command('seed')
    .description('load the demo fixture into the configured table on a DynamoDB Local on this machine (creates the table if missing)')
    .addOption(ruleOption('--rebase-to <date>', 'move the fixture dates so they center on this day (default: today)', calendarDateArg))
    .addOption(new Option('--force', 'load even if the table already holds data').default(false))
    .addOption(deps.jsonOption())
    .action(
      deps.action({ rebaseTo: '--rebase-to', force: '--force' }, async (options: { rebaseTo?: string; force: boolean; json?: boolean }) => {
        const { store, client, tableName, endpoint } = deps.connect();
        if (!endpoint) {
          throw new ConfigError('seed writes demo data and only runs against DynamoDB Local: set DYNAMODB_ENDPOINT (or DATAOPS_STAGE=local).', { variable: 'DYNAMODB_ENDPOINT' });
        }
        // Before the first request: an endpoint elsewhere is refused whatever the stage or credentials.
        assertLoopbackEndpoint(endpoint, `load demo data into ${tableName}`);
        const created = await ensureTable(client, tableName);
        if (!options.force && (await tableHoldsItems(client, tableName))) {
          throw new ExecutionStoreError('TABLE_NOT_EMPTY', `Table ${tableName} already holds data: \`exstate seed --force\` loads the fixture on top of it.`, { tableName });
        }
        const rebaseTo = options.rebaseTo ?? todayIn();
        const result = summarizeLoad(await loadFixture(store.service, { rebaseTo }));
        const o = deps.output(options.json);
        if (o.json) {
          printJson(o, { table: tableName, endpoint, table_created: created, rebased_to: rebaseTo, ...result });
        } else {
          o.write(`Loaded the fixture into ${tableName} at ${endpoint} (${plural(result.items, 'item')}), dates rebased to ${rebaseTo}${created ? '; created the table first' : ''}.`);
          o.write(renderTable(Object.entries(result.counts), [{ header: 'Entity', value: ([k]) => k }, { header: 'Items', value: ([, v]) => v, align: 'right' }]));
        }
      }),
    );
}
