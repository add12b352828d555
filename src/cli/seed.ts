/**
 * Demo data helpers shared by `exstate seed` and `exstate local`: the loader itself is
 * src/local/demo-fixture.ts.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
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
