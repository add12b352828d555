/**
 * Local parity: the table the test harness and the local store create in DynamoDB Local
 * (src/local/create-table.ts, via test/support/table.ts) has exactly the key schema, attribute
 * definitions, GSIs and projections of the committed synthesized template, read back with
 * DescribeTable. The template is parsed here independently of the helper.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DescribeTimeToLiveCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { TEMPLATE_FILE } from '../../infra/synth.js';
import { createTestTable, type TestTable } from '../support/table.js';

interface KeyElement {
  AttributeName: string;
  KeyType: string;
}
interface CfnTable {
  KeySchema: KeyElement[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
  GlobalSecondaryIndexes: { IndexName: string; KeySchema: KeyElement[]; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }[];
  LocalSecondaryIndexes?: unknown[];
  BillingMode: string;
  StreamSpecification: { StreamViewType: string };
  TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
}

const template = JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as { Resources: Record<string, { Type: string; Properties: CfnTable }> };
const tables = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table');
const expected = tables[0]!.Properties;

const byName = <T extends { AttributeName?: string; IndexName?: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));
const normalizeProjection = (projection: { ProjectionType?: string; NonKeyAttributes?: string[] } | undefined) => ({
  ProjectionType: projection?.ProjectionType,
  ...(projection?.NonKeyAttributes?.length ? { NonKeyAttributes: [...projection.NonKeyAttributes].sort() } : {}),
});

let table: TestTable;
let description: TableDescription;

beforeAll(async () => {
  table = await createTestTable('parity');
  description = (await table.client.send(new DescribeTableCommand({ TableName: table.tableName }))).Table!;
});

afterAll(async () => {
  await table?.drop();
});

describe('local table created from the synthesized template', () => {
  it('the template has exactly one table with secondary indexes to compare', () => {
    expect(tables).toHaveLength(1);
    expect(expected.GlobalSecondaryIndexes.length).toBeGreaterThan(0);
  });

  it('has the template’s key schema', () => {
    expect(description.KeySchema).toEqual(expected.KeySchema);
  });

  it('has the template’s attribute definitions', () => {
    expect(byName(description.AttributeDefinitions ?? [])).toEqual(byName(expected.AttributeDefinitions));
  });

  it('has the template’s GSIs: names, key schemas and projections', () => {
    const actual = (description.GlobalSecondaryIndexes ?? []).map((gsi) => ({
      IndexName: gsi.IndexName,
      KeySchema: gsi.KeySchema,
      Projection: normalizeProjection(gsi.Projection),
    }));
    const wanted = expected.GlobalSecondaryIndexes.map((gsi) => ({
      IndexName: gsi.IndexName,
      KeySchema: gsi.KeySchema,
      Projection: normalizeProjection(gsi.Projection),
    }));
    expect(byName(actual)).toEqual(byName(wanted));
    expect(description.LocalSecondaryIndexes ?? []).toEqual(expected.LocalSecondaryIndexes ?? []);
  });

  it('has the template’s billing mode, stream and TTL', async () => {
    expect(description.BillingModeSummary?.BillingMode).toBe(expected.BillingMode);
    expect(description.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: expected.StreamSpecification.StreamViewType });
    const ttl = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: expected.TimeToLiveSpecification.AttributeName,
      TimeToLiveStatus: 'ENABLED',
    });
  });
});
