/**
 * The one way src/ loads `@aws-sdk/lib-dynamodb`: with `require`, as ElectroDB itself does.
 *
 * The handlers are ES modules and the Lambda runtime provides the AWS SDK as CommonJS. An ES
 * `import` of a CommonJS package makes Node scan its source for named exports
 * (cjs-module-lexer) before it runs; `require` skips the scan. For lib-dynamodb that scan was
 * most of what the package added to a cold start: +9 ms imported, +3 ms required, on a 75 ms
 * bare client (2026-12-01; the ladder in bench/RESULTS.md §4 shows the required rung). ElectroDB
 * requires the same package at load, so both share one instance. Import the classes and types
 * from here, not from the package (npm run lint:deps enforces it).
 */
import { createRequire } from 'node:module';
import type * as LibDynamoDb from '@aws-sdk/lib-dynamodb';

// A bundle (esbuild) has `require`: a literal require is bundled, or left to the runtime when the
// SDK is external. Plain ES modules (tsx, vitest, the CLI) have none and create one.
const lib = (typeof require === 'function' ? require('@aws-sdk/lib-dynamodb') : createRequire(import.meta.url)('@aws-sdk/lib-dynamodb')) as typeof LibDynamoDb;

export const DynamoDBDocumentClient = lib.DynamoDBDocumentClient;
export type DynamoDBDocumentClient = LibDynamoDb.DynamoDBDocumentClient;
export const QueryCommand = lib.QueryCommand;
export const GetCommand = lib.GetCommand;
export const PutCommand = lib.PutCommand;
export const UpdateCommand = lib.UpdateCommand;
export const DeleteCommand = lib.DeleteCommand;
export const ScanCommand = lib.ScanCommand;
export type ScanCommandOutput = LibDynamoDb.ScanCommandOutput;
export const BatchWriteCommand = lib.BatchWriteCommand;
