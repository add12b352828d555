import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{DynamoDBClient as o}from"@aws-sdk/client-dynamodb";import{DynamoDBDocumentClient as m}from"@aws-sdk/lib-dynamodb";var e=m.from(new o({}));export{e as client};
