/**
 * The portable export of the execution-state store: public API for the CLI
 * (`exstate export | validate-export | import`) and for scripts. Every function returns a
 * structured result and prints nothing (except export progress on a terminal); failures throw
 * PortableExportError with a stable `code`.
 */
export { exportExecutionData, UNPARSED_REASONS, type ExportOptions, type ExportProgress, type ExportResult, type UnparsedReason } from './export.js';
export {
  validateExport,
  formatFinding,
  FINDING_CODES,
  type Finding,
  type FindingCode,
  type FindingSeverity,
  type ValidateOptions,
  type ValidationResult,
} from './validate.js';
export {
  importExecutionData,
  abandonImport,
  countSegmentsFor,
  countTableItems,
  RESTORE_MARKER_COUNT,
  type AbandonImportOptions,
  type ImportOptions,
  type ImportProgress,
  type ImportResult,
  type ImportVerification,
} from './import.js';
export {
  generatePostgresDdl,
  loadExportIntoPostgres,
  pgColumnType,
  pgConstraints,
  pgTableName,
  type DdlOptions,
  type PgConstraint,
  type PgType,
  type PostgresLike,
  type PostgresLoadOptions,
  type PostgresLoadResult,
} from './postgres.js';
export {
  REGISTRY,
  EXPORT_REGISTRY,
  SCHEMA_VERSION,
  durableEntries,
  registryEntries,
  entryByExportName,
  exportFileName,
  foreignKeys,
  requiredColumns,
  enumColumns,
  type ColumnSpec,
  type ColumnType,
  type EntityRegistryEntry,
  type ExportRegistry,
  type ForeignKey,
  type Persistence,
  type RedactedColumn,
  type Retention,
} from './registry.js';
export { MANIFEST_FILE, UNPARSED_FILE, type ExportManifest, type ManifestEntity, type ManifestOmission, type RedactionProfile } from './manifest.js';
export { PortableExportError, isPortableExportError, PORTABLE_EXPORT_ERROR_CODES, type PortableExportErrorCode } from './errors.js';
export {
  batchPutWithRetry,
  batchDeleteWithRetry,
  batchGoOptions,
  type BatchDeleteEntity,
  type BatchPutEntity,
  type BatchPutOptions,
  type BatchPutResult,
} from './batch-write.js';
export { canonicalJson } from './canonical-json.js';
export { readRestoreMarker, describeRestore, RESTORE_LEASE_MS, type RestoreMarker } from './restore-marker.js';
export { scanTable, tableHoldsItems, type ScanTableOptions, type ScannedItem } from './scan.js';
