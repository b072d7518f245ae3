/**
 * Types of the hyparquet modules the Parquet reader decodes pages with. hyparquet exports them as
 * `hyparquet/src/*.js` (its package `exports`), with declarations in `types/*.d.ts`, a mapping
 * this project's `node` module resolution does not read; these declarations make it explicit.
 */
declare module 'hyparquet/src/column.js' {
  export { parquetHeader } from 'hyparquet/types/column';
}
declare module 'hyparquet/src/datapage.js' {
  export { decompressPage } from 'hyparquet/types/datapage';
}
declare module 'hyparquet/src/plain.js' {
  export { readPlain } from 'hyparquet/types/plain';
}
declare module 'hyparquet/src/encoding.js' {
  export { byteStreamSplit } from 'hyparquet/types/encoding';
}
declare module 'hyparquet/src/delta.js' {
  export { deltaBinaryUnpack, deltaByteArray, deltaLengthByteArray } from 'hyparquet/types/delta';
}
declare module 'hyparquet/src/alp.js' {
  export { alpDecode } from 'hyparquet/types/alp';
}
declare module 'hyparquet/src/schema.js' {
  export { getMaxDefinitionLevel, getMaxRepetitionLevel, getSchemaPath } from 'hyparquet/types/schema';
}
