/**
 * Demo data for local work: the shared fixture (test/fixtures/load-fixture.ts and its JSON data
 * set), loaded through the store with its dates moved so that "today", "overdue" and "upcoming"
 * show something on the day you run it.
 */
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ExecutionService } from '../entities/index.js';
import { CliError, EXIT_CODES } from './errors.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURE_LOADER_PATH = resolve(PROJECT_ROOT, 'test/fixtures/load-fixture.ts');

export interface LoadFixtureOptions {
  /** Calendar date (YYYY-MM-DD) the fixture's dates are moved to. */
  rebaseTo?: string;
}

/** test/fixtures/load-fixture.ts: writes the fixture through the ElectroDB service, returns items per entity. */
export type LoadFixture = (service: ExecutionService, options?: LoadFixtureOptions) => Promise<Record<string, number>>;

/** The fixture loader, imported only when needed (it is development tooling, not part of the store). */
export async function importFixtureLoader(path: string = FIXTURE_LOADER_PATH): Promise<LoadFixture> {
  if (!existsSync(path)) {
    throw new CliError(
      `The fixture loader ${relative(process.cwd(), path) || path} is missing, so there is no demo data to load: restore it from git (\`git checkout -- test/fixtures\`).`,
      EXIT_CODES.INTERNAL,
    );
  }
  const module = (await import(pathToFileURL(path).href)) as { loadFixture?: unknown };
  if (typeof module.loadFixture !== 'function') {
    throw new CliError(`${path} does not export loadFixture(service, { rebaseTo })`, EXIT_CODES.INTERNAL);
  }
  return module.loadFixture as LoadFixture;
}

/** True when the table holds no item at all (one Scan of at most one item). */
export async function tableIsEmpty(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const result = await client.send(new ScanCommand({ TableName: tableName, Limit: 1, ConsistentRead: true }));
  return (result.Items?.length ?? 0) === 0 && result.LastEvaluatedKey === undefined;
}

/** Items loaded in total and per entity (entities with none left out). */
export function describeFixtureResult(counts: Record<string, number>): { items: number; counts: Record<string, number> } {
  const loaded = Object.fromEntries(Object.entries(counts).filter(([, n]) => typeof n === 'number' && n > 0));
  return { items: Object.values(loaded).reduce((a, b) => a + b, 0), counts: loaded };
}
