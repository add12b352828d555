import { describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME, loadConfig, resolveClientSettings, resolveTableName } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('table-name configuration', () => {
  it('reads DATAOPS_EXECUTION_TABLE in production', () => {
    expect(resolveTableName({ DATAOPS_EXECUTION_TABLE: 'dataops-execution-prod' })).toBe('dataops-execution-prod');
  });

  it('throws a CONFIG error naming the variable when production has no table name', () => {
    for (const env of [{}, { DATAOPS_STAGE: 'prod' }, { NODE_ENV: 'production' }, { DATAOPS_EXECUTION_TABLE: '  ' }]) {
      let caught: unknown;
      try {
        resolveTableName(env);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).code).toBe('CONFIG');
      expect((caught as Error).message).toContain('DATAOPS_EXECUTION_TABLE');
    }
  });

  it('uses the local default only in local and test stages or development/test NODE_ENV', () => {
    expect(resolveTableName({ DATAOPS_STAGE: 'local' })).toBe(LOCAL_TABLE_NAME);
    expect(resolveTableName({ DATAOPS_STAGE: 'test' })).toBe(LOCAL_TABLE_NAME);
    expect(resolveTableName({ NODE_ENV: 'development' })).toBe(LOCAL_TABLE_NAME);
    expect(resolveTableName({ NODE_ENV: 'test' })).toBe(LOCAL_TABLE_NAME);
    expect(() => resolveTableName({ DATAOPS_STAGE: 'staging' })).toThrow(ConfigError);
  });

  it('prefers an explicit table name over the local default', () => {
    expect(resolveTableName({ DATAOPS_STAGE: 'local', DATAOPS_EXECUTION_TABLE: 'mine' })).toBe('mine');
  });

  it('takes the endpoint override from DYNAMODB_ENDPOINT', () => {
    const config = loadConfig({ DATAOPS_EXECUTION_TABLE: 't', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' });
    expect(config.endpoint).toBe('http://127.0.0.1:8000');
    expect(loadConfig({ DATAOPS_EXECUTION_TABLE: 't' }).endpoint).toBeUndefined();
  });

  it('uses dummy credentials only for an endpoint override without AWS_ACCESS_KEY_ID, and leaves the region to the SDK in AWS', () => {
    expect(resolveClientSettings({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })).toEqual({ endpoint: 'http://127.0.0.1:8000', region: 'local', localCredentials: true });
    expect(resolveClientSettings({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_ACCESS_KEY_ID: 'AKIA…', AWS_REGION: 'eu-west-1' })).toEqual({
      endpoint: 'http://127.0.0.1:8000',
      region: 'eu-west-1',
      localCredentials: false,
    });
    expect(resolveClientSettings({ AWS_REGION: 'eu-central-1' })).toEqual({ endpoint: undefined, region: 'eu-central-1', localCredentials: false });
    expect(resolveClientSettings({})).toEqual({ endpoint: undefined, region: undefined, localCredentials: false });
  });
});
