import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{DynamoDBClient as o}from"@aws-sdk/client-dynamodb";import{createRequire as t}from"node:module";var e=t(import.meta.url),{DynamoDBDocumentClient:m}=e("@aws-sdk/lib-dynamodb"),i=m.from(new o({}));export{i as client};
