import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
const r = createRequire(import.meta.url);
const { DynamoDBDocumentClient } = r('@aws-sdk/lib-dynamodb');
export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
