// ElectroDB's model validation module (CommonJS, untyped). The store only swaps `testModel`
// for the duration of building its own Service; see src/entities/index.ts.
declare module 'electrodb/src/validations.js' {
  const validations: { testModel?: (model: unknown) => [boolean, string] };
  export default validations;
}
