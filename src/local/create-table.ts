/**
 * Creates the execution-state table in DynamoDB Local from the committed, synthesized
 * CloudFormation template, so local development and tests use exactly the production key
 * schema. Local and test tooling only: production tables belong to CloudFormation, so
 * ensureTable refuses (NON_LOCAL_TARGET, before any request) a client whose endpoint is not a
 * loopback DynamoDB Local.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { assertLoopbackEndpoint } from '../config.js';

export const SYNTHESIZED_TEMPLATE_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../lambda-functions/execution-state.template.json');

interface CfnTableProperties {
  KeySchema: CreateTableCommandInput['KeySchema'];
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  BillingMode?: string;
  StreamSpecification?: { StreamViewType: string };
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

/** The `AWS::DynamoDB::Table` properties of the synthesized template (exactly one table). */
export function readTableDefinition(templatePath: string = SYNTHESIZED_TEMPLATE_PATH): CfnTableProperties {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, { Type: string; Properties: CfnTableProperties }> };
  const tables = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table');
  if (tables.length !== 1) throw new Error(`${templatePath} must define exactly one AWS::DynamoDB::Table, found ${tables.length}`);
  return tables[0]!.Properties;
}

export function createTableInput(tableName: string, definition: CfnTableProperties = readTableDefinition()): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: definition.KeySchema,
    AttributeDefinitions: definition.AttributeDefinitions,
    GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
    BillingMode: definition.BillingMode === 'PROVISIONED' ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    StreamSpecification: definition.StreamSpecification
      ? { StreamEnabled: true, StreamViewType: definition.StreamSpecification.StreamViewType as 'NEW_AND_OLD_IMAGES' }
      : undefined,
  };
}

export async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** The endpoint URL a client sends to, or undefined when it uses the AWS regional endpoint. Sends nothing. */
export async function clientEndpoint(client: DynamoDBClient): Promise<string | undefined> {
  if (!client.config.isCustomEndpoint || !client.config.endpoint) return undefined;
  const { protocol, hostname, port, path } = await client.config.endpoint();
  return `${protocol}//${hostname}${port === undefined ? '' : `:${port}`}${path}`;
}

/**
 * Creates the table if it does not exist; returns true when it created it. Only on a loopback
 * DynamoDB Local: any other endpoint is NON_LOCAL_TARGET, refused before the first request.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string, templatePath?: string): Promise<boolean> {
  assertLoopbackEndpoint(await clientEndpoint(client), `create table ${tableName} (tables on AWS belong to CloudFormation)`);
  const definition = readTableDefinition(templatePath);
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, definition)));
  } catch (error) {
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
  if (definition.TimeToLiveSpecification?.Enabled) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: definition.TimeToLiveSpecification.AttributeName, Enabled: true },
      }),
    );
  }
  return true;
}

/**
 * How an existing table's keys differ from the template (e.g. a local table created before an
 * index was added): one human-readable line per difference, none when they match.
 */
export async function tableSchemaDifferences(client: DynamoDBClient, tableName: string, templatePath?: string): Promise<string[]> {
  const expected = createTableInput(tableName, readTableDefinition(templatePath));
  const { Table: actual } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => (schema ?? []).map((k) => `${k.KeyType}:${k.AttributeName}`).join(',');
  const differences: string[] = [];
  if (keys(expected.KeySchema) !== keys(actual?.KeySchema)) differences.push(`primary key is ${keys(actual?.KeySchema)}, template says ${keys(expected.KeySchema)}`);
  const want = new Map((expected.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, keys(i.KeySchema)]));
  const have = new Map((actual?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, keys(i.KeySchema)]));
  for (const [name, schema] of want) {
    if (!have.has(name)) differences.push(`index ${name} is missing`);
    else if (have.get(name) !== schema) differences.push(`index ${name} has keys ${have.get(name)}, template says ${schema}`);
  }
  for (const name of have.keys()) if (!want.has(name)) differences.push(`index ${name} is not in the template`);
  return differences;
}

