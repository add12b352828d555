/**
 * The production entry point: creating a store sends nothing, never manages tables, and fails
 * loudly without a table name outside local/test stages.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExecutionStore, ConfigError } from '../src/index.js';
import { createTestTable, type TestTable } from './support/table.js';
import { attachRequestLog } from './support/request-log.js';

const TABLE_ADMIN_COMMANDS = ['CreateTable', 'UpdateTable', 'DeleteTable', 'UpdateTimeToLive', 'CreateGlobalTable', 'UpdateContinuousBackups'];

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable('store');
});
afterAll(async () => {
  await table?.drop();
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('createExecutionStore', () => {
  it('throws a CONFIG error naming DATAOPS_EXECUTION_TABLE when production has no table name', () => {
    vi.stubEnv('DATAOPS_STAGE', 'prod');
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('DATAOPS_EXECUTION_TABLE', '');
    try {
      expect(() => createExecutionStore({ client: table.client })).toThrow(ConfigError);
      expect(() => createExecutionStore({ client: table.client })).toThrow(/DATAOPS_EXECUTION_TABLE/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('uses DATAOPS_EXECUTION_TABLE and DYNAMODB_ENDPOINT from the environment', async () => {
    vi.stubEnv('DATAOPS_STAGE', 'prod');
    vi.stubEnv('DATAOPS_EXECUTION_TABLE', table.tableName);
    vi.stubEnv('DYNAMODB_ENDPOINT', table.endpoint);
    try {
      const store = createExecutionStore();
      expect(store.tableName).toBe(table.tableName);
      expect(await store.client.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1' });
      const user = await store.users.create({ email: 'env@example.org', display_name: 'Env', role: 'viewer', timezone: 'UTC' });
      expect((await store.users.get(user.user_id))?.email).toBe('env@example.org');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('sends no request when created, and never a table-management request while used', async () => {
    const client = (await import('./support/table.js')).localClient(table.endpoint);
    const log = attachRequestLog(client, { forbid: TABLE_ADMIN_COMMANDS });
    const store = createExecutionStore({ client, tableName: table.tableName, now: () => new Date('2026-11-29T12:00:00.000Z') });
    expect(log.requests).toHaveLength(0);

    const admin = await store.users.create({ email: 'root@example.org', display_name: 'Root', role: 'admin', timezone: 'UTC' });
    const actor = { user_id: admin.user_id, role: admin.role };
    const { bundle, tasks } = await store.bundles.instantiateTemplate({
      template: { template_id: 'templates/meetup.yaml', template_version: 'deadbeef', tasks: [{ ref: 'room', title: 'Book room', offset_days: -7, assignee_id: admin.user_id }] },
      title: 'Meetup',
      owner_id: admin.user_id,
      anchor_date: '2026-12-10',
      actor,
    });
    await store.tasks.transition({ task_id: tasks[0]!.task_id, to: 'in_progress', actor });
    await store.bundles.getWithTasks(bundle.bundle_id);
    await store.schedules.create({ title: 'Daily', cron: '0 8 * * *', time_zone: 'UTC', actor });
    await store.schedules.materializeDue();
    await store.notifications.listDue();
    expect(log.requests.length).toBeGreaterThan(5);
    expect(log.commands().filter((command) => TABLE_ADMIN_COMMANDS.includes(command))).toEqual([]);
  });

  it('keeps table management out of every production module', () => {
    const production = [...sourceFiles('src/services'), ...sourceFiles('src/entities'), 'src/store.ts', 'src/index.ts', 'src/config.ts'];
    for (const file of production) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/CreateTable|UpdateTable|DeleteTable|create-table|dynamodb-local/);
    }
  });
});
