"""Validates typed product rows with the GX suite generated from the schema (validation_suite.py); each failure
becomes a reject.

GX reads small batches made from the typed frame rather than the frame itself, so that its work follows the
distinct values more than the rows:
- what a single-column expectation says of a cell depends on that cell alone, so each such column is validated
  once per distinct value. Columns with similar counts of distinct values share a batch, each padded to the
  batch's length by repeating its most common value; a failing value rejects every row that holds it.
- the columns of multi-column expectations (a SKU unique within its file) are validated row by row, in one
  batch with every expectation that reads them.
- a field whose parser cannot fail has no `__error` column in the typed frame: its parse-error expectation
  has nothing to read and is not run.
- given a KnownValues, what the single-column checks said of each value validated by an earlier call is taken
  from it: only the values not seen before are validated (a check of a column with no new value is not run).
On each batch GX first says which expectations fail (result_format BOOLEAN_ONLY), then lists where for those
only (COMPLETE).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from great_expectations.validator.v1_validator import Validator as BatchValidator

from pipeline.transform.distinct import factorize_cells
from pipeline.transform.lineage import ROW_IDENTITY
from pipeline.transform.parse import DETAIL_SUFFIX, ERROR_SUFFIX, HELPER_SUFFIXES, RAW_SUFFIX
from pipeline.transform.rejects import concat_rejects, make_rejects
from pipeline.transform.settings import Settings
from pipeline.transform.validation_suite import (
    NUMBER_VIEW,
    PARSE_ERROR,
    Check,
    SuiteChecks,
    batch_definition,
    check_key,
    sub_suite,
    suite_checks,
)

SMALL_BATCH = 16_384                # distinct values: columns with at most this many share one batch
BATCH_SPREAD = 4                    # and larger ones a batch with columns at most 4 times as long
KNOWN_PER_COLUMN = 16_384           # values a KnownValues keeps per column
SHOWN_DUPLICATES = 5                # rows a duplicate's reject names (and how many there are in all)
FAILURE_DTYPES = {"row": "int64", "check": "int64", "field": "object", "rule": "object", "parse": "bool"}


class KnownValues:
    """The single-column checks' verdicts on the values validated so far: for each column, the positions of the
    checks each of its distinct values fails (none: it passes them all). Such a verdict depends on the value alone,
    so a later frame need only validate the values not seen before. At most `limit` values are kept per column,
    enough for the few distinct prices, units or currencies of a catalogue; a column of distinct values such as
    titles fills its share and then learns no more."""

    def __init__(self, limit: int = KNOWN_PER_COLUMN):
        self.limit = limit
        self._verdicts: dict[tuple[int, str], dict[Any, tuple[int, ...]]] = {}

    def of(self, min_shelf_life_days: int, column: str) -> dict[Any, tuple[int, ...]]:
        return self._verdicts.setdefault((min_shelf_life_days, column), {})


def prepare(settings: Settings, min_shelf_life_days: int) -> None:
    """Load the GX context and the suite's validator now (later calls, and processes forked after, reuse them)."""
    batch_definition()
    suite_checks(settings, min_shelf_life_days)


def validate(typed: pd.DataFrame, *, settings: Settings, min_shelf_life_days: int = 180,
             known: KnownValues | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows that pass every check, without helper columns; one reject per failing row, field and rule). Given
    `known`, values it holds verdicts on are not validated again, and the verdicts on new values are added."""
    validator = suite_checks(settings, min_shelf_life_days)
    batches, found = _batches(typed, validator, known, min_shelf_life_days)
    for batch, checks, rows_of, learn in batches:
        failing = _failing(batch, checks, settings, min_shelf_life_days, validator)
        learn(failing)
        found += [(check, rows_of(check, positions)) for check, positions in failing]
    failures, checks = _failures(found, typed)
    keep = np.ones(len(typed), dtype=bool)
    keep[failures["row"].to_numpy()] = False
    valid = typed.drop(columns=[c for c in typed.columns if c.endswith(HELPER_SUFFIXES)])[keep]
    return valid, _rejects(typed, failures, checks, settings)


RowsOf = Callable[[Check, np.ndarray], np.ndarray]
Learn = Callable[[list[tuple[Check, np.ndarray]]], None]
Batch = tuple[pd.DataFrame, list[Check], RowsOf, Learn]
MISSING = object()                  # KnownValues' key of a missing cell


def _batches(typed: pd.DataFrame, validator: SuiteChecks, known: KnownValues | None,
             min_shelf_life_days: int) -> tuple[list[Batch], list[tuple[Check, np.ndarray]]]:
    """([(batch, the checks to run on it, batch positions -> typed row positions, what to do with its failures)
    for each batch GX validates], [(check, rows) for the failures `known` already holds]).

    The key columns of every row make one batch, with every check reading a key column. Every other column
    is validated on its distinct values (those `known` holds no verdict on): columns of similar counts of distinct
    values share a batch, each column padded to the batch's length by repeating the new value most rows hold.
    """
    keyed = [check for check in validator.checks if validator.keys.intersection(check.columns)]
    on_keys = {check.position for check in keyed}
    batches: list[Batch] = []
    if keyed:
        keys = pd.DataFrame({column: typed[column].array for column in sorted(validator.keys)})
        batches.append((keys, keyed, lambda check, positions: positions, lambda failing: None))
    columns: dict[str, list[Check]] = {}
    for check in validator.checks:
        if check.position not in on_keys and not _without_errors(check, typed):
            columns.setdefault(check.columns[0], []).append(check)
    fields = functools.cache(lambda name: _distinct(typed[name]))     # a field and its float view share it
    distinct = {column: _NewValues(*_batch_column(typed, column, validator, fields),
                                   known.of(min_shelf_life_days, column) if known else {},
                                   known.limit if known else 0) for column in columns}
    for group in _groups({column: len(values.new) for column, values in distinct.items() if len(values.new)}):
        length = max(len(distinct[column].new) for column in group)
        batch = pd.DataFrame({column: distinct[column].padded(length) for column in group})
        batches.append((batch, [check for column in group for check in columns[column]],
                        functools.partial(_rows_of_new_values, distinct),
                        functools.partial(_learn, {column: distinct[column] for column in group}, columns)))
    found = [(check, distinct[column].rows(distinct[column].known_failing(check)))
             for column, checks in columns.items() for check in checks]
    return batches, [(check, rows) for check, rows in found if len(rows)]


@dataclass
class _NewValues:
    """A column's code of each row and its distinct values, the first `present` of them not missing; `new`: the
    positions of the values `verdicts` (a KnownValues column) holds nothing on, which it learns up to `limit`."""

    codes: np.ndarray
    values: Any
    present: int
    verdicts: dict[Any, tuple[int, ...]]
    limit: int

    def __post_init__(self) -> None:
        self.keys: list[Any] = []
        self._known_failing: dict[int, list[int]] = {}          # check position -> distinct values failing it
        if not (self.limit or self.verdicts):
            self.new = np.arange(len(self.values))
            return
        self.keys = [*self.values[:self.present].tolist(), *[MISSING] * (len(self.values) - self.present)]
        new = []
        for n, key in enumerate(self.keys):
            verdict = self.verdicts.get(key)
            if verdict is None:
                new.append(n)
            for position in verdict or ():
                self._known_failing.setdefault(position, []).append(n)
        self.new = np.array(new, dtype="int64")

    def padded(self, length: int) -> Any:
        """The new values, lengthened to `length` by repeating the one most rows hold (the likeliest to pass)."""
        positions = np.empty(length, dtype="int64")
        positions[:len(self.new)] = self.new
        positions[len(self.new):] = self.new[np.bincount(self.codes, minlength=len(self.values))[self.new].argmax()]
        return self.values.take(positions)

    def known_failing(self, check: Check) -> np.ndarray:
        """The positions of the distinct values known to fail `check`."""
        return np.array(self._known_failing.get(check.position, []), dtype="int64")

    def rows(self, positions: np.ndarray) -> np.ndarray:
        """The rows holding the distinct values at `positions`."""
        failing = np.zeros(len(self.values), dtype=bool)
        failing[positions] = True
        return np.flatnonzero(failing[self.codes])

    def learn(self, checks: list[Check], failing: dict[int, np.ndarray]) -> None:
        """Keep the verdicts of `checks` on the new values, up to the limit (`failing`: check position -> the batch
        positions it fails, padding included)."""
        fails: dict[int, list[int]] = {}
        for check in checks:
            for n in failing.get(check.position, ()):
                fails.setdefault(int(n), []).append(check.position)
        room = max(self.limit - len(self.verdicts), 0)
        for n, value in enumerate(self.new[:room]):
            self.verdicts[self.keys[value]] = tuple(fails.get(n, ()))


def _rows_of_new_values(distinct: dict[str, _NewValues], check: Check, positions: np.ndarray) -> np.ndarray:
    """The rows holding the new values at batch `positions` of the check's column (padding ignored)."""
    values = distinct[check.columns[0]]
    return values.rows(values.new[positions[positions < len(values.new)]])


def _learn(distinct: dict[str, _NewValues], columns: dict[str, list[Check]],
           failing: list[tuple[Check, np.ndarray]]) -> None:
    """Each column of a batch learns its checks' verdicts on its new values (`failing`: what GX found there)."""
    found = {check.position: positions for check, positions in failing}
    for column, values in distinct.items():
        values.learn(columns[column], {check.position: found[check.position] for check in columns[column]
                                       if check.position in found})


def _groups(sizes: dict[str, int]) -> list[list[str]]:
    """Columns by count of distinct values, in batches whose longest column is at most BATCH_SPREAD times
    its shortest one (or at most SMALL_BATCH long)."""
    groups: list[list[str]] = []
    for column in sorted(sizes, key=lambda c: (sizes[c], c)):
        if groups and sizes[column] <= max(BATCH_SPREAD * sizes[groups[-1][0]], SMALL_BATCH):
            groups[-1].append(column)
        else:
            groups.append([column])
    return groups


def _without_errors(check: Check, typed: pd.DataFrame) -> bool:
    """Whether `check` reads the `__error` column of a field whose parser cannot fail (the frame has none)."""
    return check.columns[0].endswith(ERROR_SUFFIX) and check.columns[0] not in typed


def _batch_column(typed: pd.DataFrame, column: str, validator: SuiteChecks,
                  distinct: Callable[[str], tuple[np.ndarray, Any, int]]) -> tuple[np.ndarray, Any, int]:
    """(code of each row, the distinct values, how many of them are not missing: the first ones) of the column a
    check reads: a typed column or the float view of a numeric field."""
    if column.endswith(NUMBER_VIEW):
        field = column.removesuffix(NUMBER_VIEW)
        codes, exact, present = distinct(field)
        floats = [_float_beside(value, validator.bounds[field]) for value in exact[:present]]
        return codes, np.array(floats + [math.nan] * (len(exact) - present), dtype="float64"), present
    return distinct(column)


def _distinct(values: pd.Series) -> tuple[np.ndarray, Any, int]:
    """(code of each cell, the distinct cells in order of first appearance then a missing one if any, the
    count of distinct cells that are not missing)."""
    missing = values.isna().to_numpy()
    if missing.all():           # e.g. the `__error` column of a sheet without errors
        return np.zeros(len(values), dtype="int64"), values.array[:1], 0
    if not missing.any():
        codes, uniques = factorize_cells(values)
        return codes, values.array.take(_first_positions(codes)), len(uniques)
    present = np.flatnonzero(~missing)
    present_codes, uniques = factorize_cells(values.iloc[present])
    codes = np.full(len(values), len(uniques), dtype="int64")
    codes[present] = present_codes
    firsts = np.append(present[_first_positions(present_codes)], np.argmax(missing))
    return codes, values.array.take(firsts), len(uniques)


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """Where each code first appears: pd.factorize numbers values in order of appearance."""
    return np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)


def _failing(batch: pd.DataFrame, checks: list[Check], settings: Settings, min_shelf_life_days: int,
             validator: SuiteChecks) -> list[tuple[Check, np.ndarray]]:
    """(check, the batch positions it rejects) for each check GX finds failing on `batch`.

    GX first says only which checks fail (result_format BOOLEAN_ONLY), then lists the positions for those.
    """
    gx_validator = BatchValidator(batch_definition(), result_format="BOOLEAN_ONLY",
                                  batch_parameters={"dataframe": batch})
    verdicts = gx_validator.validate_expectation_suite(
        sub_suite(settings, min_shelf_life_days, tuple(check.position for check in checks)))
    failed = sorted((validator.by_key[check_key(outcome.expectation_config)] for outcome in verdicts.results
                     if not outcome.success), key=lambda check: check.position)
    if not failed:
        return []
    gx_validator.result_format = {"result_format": "COMPLETE"}
    listed = gx_validator.validate_expectation_suite(
        sub_suite(settings, min_shelf_life_days, tuple(check.position for check in failed)))
    found = []
    for outcome in listed.results:
        if "unexpected_index_list" not in outcome.result:
            raise RuntimeError(f"GX could not run {outcome.expectation_config.type}: "
                               f"{_exception_messages(outcome.exception_info)}")
        found.append((validator.by_key[check_key(outcome.expectation_config)],
                      np.asarray(outcome.result["unexpected_index_list"], dtype="int64")))
    return found


def _float_beside(value: Any, bounds: set[float]) -> float:
    """float(value), moved one step off a bound it rounds onto (e.g. 1E-400 must stay above 0)."""
    number = float(value)
    if number in bounds and value != number:
        return math.nextafter(number, math.inf if value > number else -math.inf)
    return number


def _failures(found: list[tuple[Check, np.ndarray]],
              typed: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """(one line per failing row and check: row, check, field, rule, parse; each check's meta and kwargs).

    The rule of a parse-error check is the row's `<field>__error` cell.
    """
    parts, checks = [], []
    for check, rows in sorted(found, key=lambda item: item[0].position):
        if not len(rows):
            continue
        configuration = check.expectation.configuration
        meta = configuration.meta
        parse = meta["rule"] == PARSE_ERROR
        rule = typed[f"{meta['field']}__error"].to_numpy()[rows] if parse else meta["rule"]
        parts.append(pd.DataFrame({"row": rows, "check": len(checks), "field": meta["field"], "rule": rule,
                                   "parse": parse}))
        checks.append({**meta, **configuration.kwargs})
    if not parts:
        return pd.DataFrame(columns=list(FAILURE_DTYPES)).astype(FAILURE_DTYPES), checks
    return pd.concat(parts, ignore_index=True), checks


def _exception_messages(info: dict[str, Any]) -> str:
    """GX nests exception_info by metric when a metric failed to compute."""
    nested = [value for value in info.values() if isinstance(value, dict)] or [info]
    return "; ".join(str(value.get("exception_message")) for value in nested)


def _rejects(typed: pd.DataFrame, failures: pd.DataFrame, checks: list[dict[str, Any]], settings: Settings
             ) -> pd.DataFrame:
    """Rejects for the failures; a parse error on a row's field hides that field's other failures there."""
    cells = pd.MultiIndex.from_frame(failures[["row", "field"]])
    parsed = pd.MultiIndex.from_frame(failures.loc[failures["parse"], ["row", "field"]])
    failures = failures[failures["parse"].to_numpy() | ~cells.isin(parsed)]
    frames = [_check_rejects(_failed_rows(typed, group["row"].to_numpy(), checks[check]), checks[check], rule,
                             settings)
              for (check, rule), group in failures.groupby(["check", "rule"])]
    return (concat_rejects(frames)
            .sort_values(["source_file", "source_row", "field", "rule"], kind="stable")
            .reset_index(drop=True))


def _failed_rows(typed: pd.DataFrame, rows: np.ndarray, check: dict[str, Any]) -> pd.DataFrame:
    """The rows at `rows`, with the columns a reject of `check` reads."""
    field = check["field"]
    wanted = [*ROW_IDENTITY, field, field + RAW_SUFFIX, field + DETAIL_SUFFIX, *check.get("column_list", [])]
    return typed[[c for c in dict.fromkeys(wanted) if c in typed]].iloc[rows].reset_index(drop=True)


def _check_rejects(rows: pd.DataFrame, check: dict[str, Any], rule: str, settings: Settings) -> pd.DataFrame:
    """Rejects of the rows that failed one check with one rule; message placeholders filled per row."""
    field = check["field"]
    typed_text = _as_text(rows[field])
    sent = rows.get(field + RAW_SUFFIX, pd.Series(pd.NA, index=rows.index, dtype="object"))
    params = {**check["params"], "typed": typed_text}
    if check["rule"] == PARSE_ERROR and field + DETAIL_SUFFIX in rows:
        params["detail"] = rows[field + DETAIL_SUFFIX]
    if rule == "duplicate":
        params["rows"], params["count"] = _shared_rows(rows, check["column_list"])
    return make_rejects(rows, field=field, rule=rule, settings=settings, value=sent.where(sent.notna(), typed_text),
                        **params)


def _as_text(values: pd.Series) -> pd.Series:
    """The typed values as text (Decimal('12.50') -> '12.50'), NA kept."""
    shown = values.astype("object")
    return shown.where(shown.isna(), shown.astype(str))


def _shared_rows(rows: pd.DataFrame, key: list[str], shown: int = SHOWN_DUPLICATES) -> tuple[pd.Series, pd.Series]:
    """For each row, (the first `shown` source rows that share its key, e.g. '4, 9, 12, …'; how many share it),
    None where the key has a gap: one text per key, so that rejects grow with the rows, not their square."""
    groups = rows.groupby(key, sort=False).ngroup().fillna(-1).to_numpy(dtype="int64")   # -1: a gap
    source_rows = rows["source_row"].to_numpy(dtype="int64")
    order = np.lexsort((source_rows, groups))
    order = order[groups[order] >= 0]
    starts = np.flatnonzero(np.diff(groups[order], prepend=-1))
    found = np.split(source_rows[order], starts[1:]) if len(order) else []
    texts = [", ".join(map(str, rows_of[:shown])) + (", …" if len(rows_of) > shown else "") for rows_of in found]
    counts = [str(len(rows_of)) for rows_of in found]
    return (pd.Series(np.array([*texts, None], dtype=object)[groups], index=rows.index, dtype=object),
            pd.Series(np.array([*counts, None], dtype=object)[groups], index=rows.index, dtype=object))
