/**
 * Moving the work-engine prototype's state into the execution-state store (`exstate migrate`):
 * public API for the CLI and for scripts. See docs/adr/0006-migration-from-prototype.md.
 */
export { migrateRecords, migratePrototypeTables, migrateDataopsExport, DEFAULT_FILES_BUCKET, type MigrateOptions } from './migrate.js';
export { readPrototypeTables, parseSourceTables, PROTOTYPE_TABLES, type PrototypeTable, type PrototypeTablesSource } from './prototype-tables.js';
export { readDataopsExport } from './dataops-export.js';
export { detectDataopsV1Export, isDataopsV1Manifest, DATAOPS_V1_SCHEMA_VERSION } from './detect.js';
export { describeCronMeaning, translatePrototypeCron, readPrototypeCron, prototypeMatchesDate, type CronMeaning } from './cron.js';
export { skippedForReview, WARNING_CODES, type MigrationReport, type MigrationWarning, type WarningCode } from './report.js';
export type { PrototypeRecords } from './source-records.js';
