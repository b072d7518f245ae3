import type { SchemaElement, SchemaTree } from 'hyparquet';

import type { ColumnKind, ColumnSchema } from './types';

/** How the reader decodes one top-level Parquet column: its schema, and which leaf it reads. */
export interface ParquetColumnPlan {
  schema: ColumnSchema;
  /**
   * Path of the leaf column chunk read for this column: the column itself when flat, its first
   * leaf when nested (a group, or a repeated primitive), which is enough for the null mask.
   */
  leafPath: string[];
  /** Nested column: rows are counted by repetition level, and only the null mask is read. */
  nested: boolean;
  /** Nested column: a row is null exactly when the top-level field is OPTIONAL and undefined. */
  topOptional: boolean;
  /** How number values are stored; only for kind `number`. */
  numberStorage: NumberStorage;
}

/** Storage of a `number` column beyond its physical type: unsigned integers, half floats. */
export type NumberStorage = 'signed' | 'unsigned' | 'float16';

/**
 * Maps the top-level fields of a Parquet schema to the validator's columns. Integer (`INT32`,
 * `INT64`, `INT(bits, signed)`), `FLOAT`, `DOUBLE` and `FLOAT16` are `number`; `STRING` (also the
 * legacy `UTF8`) and `ENUM` byte arrays are `string` (dictionary-encoded or not: that is a page
 * encoding, not a type); `BOOLEAN` is `boolean`; the `NULL` logical type (how Arrow writers store
 * an all-null column) is `null`; everything else is `other`: `DECIMAL`, `DATE`, `TIME`,
 * `TIMESTAMP`, `INT96`, `JSON`, `BSON`, `UUID`, plain binary, fixed-length binary, and every
 * nested type (`LIST`, `MAP`, structs).
 *
 * @param root - the schema tree (`hyparquet.parquetSchema`)
 */
export function parquetColumnPlans(root: SchemaTree): ParquetColumnPlan[] {
  return root.children.map((node) => {
    const { element } = node;
    const nested = node.children.length > 0 || element.repetition_type === 'REPEATED';
    const leafPath: string[] = [element.name];
    for (let child = node.children[0]; child !== undefined; child = child.children[0])
      leafPath.push(child.element.name);
    const kind: ColumnKind = nested ? 'other' : leafKind(element);
    return {
      schema: {
        name: element.name,
        kind,
        sourceType: nested ? groupTypeName(node) : parquetTypeName(element),
        integer: kind === 'number' && (element.type === 'INT32' || element.type === 'INT64'),
      },
      leafPath,
      nested,
      topOptional: element.repetition_type === 'OPTIONAL',
      numberStorage: numberStorage(element),
    };
  });
}

function leafKind(e: SchemaElement): ColumnKind {
  const logical = e.logical_type?.type;
  const converted = e.converted_type;
  if (logical === 'NULL') return 'null';
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'FLOAT':
    case 'DOUBLE':
      return 'number';
    case 'INT32':
    case 'INT64':
      if (logical !== undefined) return logical === 'INTEGER' ? 'number' : 'other';
      return converted === undefined || /^U?INT_/.test(converted) ? 'number' : 'other';
    case 'BYTE_ARRAY':
      if (logical !== undefined) return logical === 'STRING' || logical === 'ENUM' ? 'string' : 'other';
      return converted === 'UTF8' || converted === 'ENUM' ? 'string' : 'other';
    case 'FIXED_LEN_BYTE_ARRAY':
      return logical === 'FLOAT16' && e.type_length === 2 ? 'number' : 'other';
    default:
      return 'other';
  }
}

function numberStorage(e: SchemaElement): NumberStorage {
  const logical = e.logical_type;
  if (logical?.type === 'FLOAT16') return 'float16';
  if (logical?.type === 'INTEGER') return logical.isSigned ? 'signed' : 'unsigned';
  if (logical === undefined && e.converted_type?.startsWith('UINT_')) return 'unsigned';
  return 'signed';
}

/**
 * A readable name of a leaf's type: its logical type when it has one (`STRING`, `UINT32`,
 * `DECIMAL(10,2)`, `TIMESTAMP(MICROS)`, …), else the legacy converted type, else the physical
 * type (`INT64`, `DOUBLE`, `BYTE_ARRAY`, `FIXED_LEN_BYTE_ARRAY(16)`, …).
 */
export function parquetTypeName(e: SchemaElement): string {
  const logical = e.logical_type;
  if (logical !== undefined) {
    switch (logical.type) {
      case 'INTEGER':
        return `${logical.isSigned ? 'INT' : 'UINT'}${logical.bitWidth}`;
      case 'DECIMAL':
        return `DECIMAL(${logical.precision},${logical.scale})`;
      case 'TIME':
      case 'TIMESTAMP':
        return `${logical.type}(${logical.unit}${logical.isAdjustedToUTC ? ', UTC' : ''})`;
      default:
        return logical.type;
    }
  }
  const converted = e.converted_type;
  if (converted !== undefined) {
    if (converted === 'UTF8') return 'STRING';
    if (converted === 'DECIMAL') return `DECIMAL(${e.precision ?? '?'},${e.scale ?? 0})`;
    // INT_8 → INT8, UINT_32 → UINT32, TIMESTAMP_MILLIS → TIMESTAMP(MILLIS)
    const int = /^(U?INT)_(\d+)$/.exec(converted);
    if (int) return `${int[1]}${int[2]}`;
    const time = /^(TIME|TIMESTAMP)_(MILLIS|MICROS)$/.exec(converted);
    if (time) return `${time[1]}(${time[2]})`;
    return converted;
  }
  if (e.type === 'FIXED_LEN_BYTE_ARRAY') return `FIXED_LEN_BYTE_ARRAY(${e.type_length ?? '?'})`;
  return e.type ?? 'UNKNOWN';
}

function groupTypeName(node: SchemaTree): string {
  const { element } = node;
  if (node.children.length === 0) return `REPEATED ${parquetTypeName(element)}`;
  const logical = element.logical_type?.type;
  if (logical === 'LIST' || logical === 'MAP') return logical;
  const converted = element.converted_type;
  if (converted === 'LIST' || converted === 'MAP' || converted === 'MAP_KEY_VALUE')
    return converted === 'LIST' ? 'LIST' : 'MAP';
  return logical ?? 'STRUCT';
}
