/**
 * Per-test-file tables on the shared DynamoDB Local, created from the committed synthesized
 * template (the production key schema).
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../src/local/create-table.js';

export function localClient(endpoint: string = inject('dynamoEndpoint')): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 10,
  });
}

export interface TestTable {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  drop(): Promise<void>;
}

export async function createTestTable(prefix = 'test'): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const client = localClient(endpoint);
  // Table administration uses its own client, so middleware a test adds to `client` (for
  // example one that forbids CreateTable/DeleteTable) sees only the store's requests.
  const admin = localClient(endpoint);
  const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
  await ensureTable(admin, tableName);
  return {
    endpoint,
    tableName,
    client,
    drop: async () => {
      await admin.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}
