import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{DynamoDBClient as n}from"@aws-sdk/client-dynamodb";var t=new n({});export{t as client};
