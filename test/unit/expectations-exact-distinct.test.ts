/**
 * Distinct-count expectations are exact beyond the profile's exact range (65 536 values), as in
 * Great Expectations: an id column with a few duplicates among 150 000 rows.
 */
import { Float64, Int32, Utf8 } from 'apache-arrow';

import { validateDataset } from '../../src/data/validate';
import type { Expectation } from '../../src/expectations/types';
import { makeTable, makeTempDir, validationSpec, writeArrow } from '../fixtures/data/arrow-fixtures';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

const ROWS = 150_000;
const DUPLICATES = 150; // rows whose id repeats an earlier one

it('counts distinct values exactly past the sketch range', async () => {
  const ids: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const id = i < ROWS - DUPLICATES ? i : i - (ROWS - DUPLICATES);
    ids.push(id);
    names.push(`user-${id}`);
  }
  const path = writeArrow(
    tmp.path('ids.arrow'),
    makeTable(
      { id: { type: new Int32(), values: ids }, name: { type: new Utf8(), values: names } },
      [50_000, 50_000, 50_000],
    ),
  );
  const distinct = ROWS - DUPLICATES;
  const expectations = [
    {
      type: 'expect_column_unique_value_count_to_be_between',
      kwargs: { column: 'id', min_value: distinct, max_value: distinct },
      severity: 'error',
    },
    {
      type: 'expect_column_proportion_of_unique_values_to_be_between',
      kwargs: { column: 'name', min_value: 0.999, max_value: null, strict_min: false, strict_max: false },
      severity: 'error',
    },
    {
      type: 'expect_column_proportion_of_unique_values_to_be_between',
      kwargs: { column: 'name', min_value: 0.9995, max_value: null, strict_min: false, strict_max: false },
      severity: 'error',
    },
  ] as unknown as Expectation[];
  const report = await validateDataset(path, validationSpec({}), { allowedRoots: [tmp.dir], expectations });
  expect(report.expectations?.map((e) => [e.success, e.observed])).toEqual([
    [true, distinct],
    [true, distinct / ROWS],
    [false, distinct / ROWS],
  ]);
  // The profile takes its distinct count from the same exact index rather than its sketch.
  expect(report.columns[0]?.distinct).toEqual({ count: distinct, exact: true });
  expect(report.columns[1]?.distinct).toEqual({ count: distinct, exact: true });
});

it('expect_column_proportion_of_non_null_values_to_be_between counts nulls and NaN as missing', async () => {
  const values = [1, null, 3, NaN, 5, 6, null, 8, 9, 10];
  const path = writeArrow(tmp.path('nonnull.arrow'), makeTable({ x: { type: new Float64(), values } }));
  const expectations = [
    {
      type: 'expect_column_proportion_of_non_null_values_to_be_between',
      kwargs: { column: 'x', min_value: 0.7, max_value: 1, strict_min: false, strict_max: false },
      severity: 'error',
    },
    {
      type: 'expect_column_proportion_of_non_null_values_to_be_between',
      kwargs: { column: 'x', min_value: 0.71, max_value: null, strict_min: false, strict_max: false },
      severity: 'error',
    },
  ] as unknown as Expectation[];
  const report = await validateDataset(path, validationSpec({}), { allowedRoots: [tmp.dir], expectations });
  expect(report.expectations?.map((e) => [e.success, e.observed])).toEqual([
    [true, 0.7],
    [false, 0.7],
  ]);
});
