/**
 * What every service gets: the ElectroDB service over the table, the table name, and the clock.
 */
import type { ExecutionService } from '../entities/index.js';

export interface ServiceContext {
  readonly service: ExecutionService;
  readonly entities: ExecutionService['entities'];
  readonly tableName: string;
  /** The store's clock: every timestamp and every "today" comes from it. */
  readonly now: () => Date;
}
