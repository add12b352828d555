// The request log lives with the local tooling (the local report and the benchmarks use it too).
export { attachRequestLog, type LoggedRequest, type RequestLog } from '../../src/local/request-log.js';
