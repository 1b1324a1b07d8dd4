"""Validates typed product rows with a GX suite generated from the schema; each failure becomes a reject."""
from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
import numpy as np
import pandas as pd
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig

from pipeline import config
from pipeline.transform.rejects import concat_rejects, make_rejects

ROW_ID = "_row_id"                  # helper column of the validated batch: GX names failing rows by it
NUMBER = "__number"                 # suffix of the float64 view on which a field's bounds are checked
HELPER_SUFFIXES = ("__raw", "__error", "__detail")
PARSE_ERROR = "parse_error"         # meta rule of a `<field>__error` check: the rule is the cell's own value
SETTING_RULES = {"min_shelf_life_days": "shelf_life_too_short"}   # run setting (a lower bound) -> rule
FILE_COLUMN = "source_file"         # schema: `unique_within` columns are unique within one file
FAILURE_DTYPES = {"row": "int64", "check": "int64", "field": "object", "rule": "object", "parse": "bool"}


def build_suite(min_shelf_life_days: int) -> gx.ExpectationSuite:
    """The suite for schemas/vendor_product.yaml; each expectation's meta names its field, rule and params."""
    settings = {"min_shelf_life_days": min_shelf_life_days}
    return gx.ExpectationSuite(
        name=f"vendor_product_min_shelf_life_{min_shelf_life_days}",
        expectations=[expectation for field, spec in config.schema_fields().items()
                      for expectation in _field_expectations(field, spec, settings)])


def _field_expectations(field: str, spec: Mapping[str, Any],
                        settings: Mapping[str, Any]) -> list[gxe.Expectation]:
    def meta(rule: str, **params: Any) -> dict[str, Any]:
        return {"field": field, "rule": rule, "params": params}

    number = field + NUMBER
    checks: list[gxe.Expectation] = [gxe.ExpectColumnValuesToBeNull(column=f"{field}__error",
                                                                     meta=meta(PARSE_ERROR))]
    if spec.get("required"):
        checks.append(gxe.ExpectColumnValuesToNotBeNull(column=field, meta=meta("required")))
    if "min_exclusive" in spec:
        if spec["min_exclusive"] != 0:    # rules.yaml words a strict lower bound only as "not_positive"
            raise ValueError(f"{field}: min_exclusive other than 0 has no rule in schemas/rules.yaml")
        checks.append(gxe.ExpectColumnValuesToBeBetween(column=number, min_value=0, strict_min=True,
                                                        meta=meta("not_positive")))
    if "min" in spec:
        checks.append(gxe.ExpectColumnValuesToBeBetween(column=number, min_value=spec["min"],
                                                        meta=meta("below_min", min=spec["min"])))
    if "max" in spec:
        checks.append(gxe.ExpectColumnValuesToBeBetween(column=number, max_value=spec["max"],
                                                        meta=meta("above_max", max=spec["max"])))
    if "setting" in spec:
        bound = settings[spec["setting"]]
        checks.append(gxe.ExpectColumnValuesToBeBetween(
            column=number, min_value=bound, meta=meta(SETTING_RULES[spec["setting"]], min=bound)))
    if "max_length" in spec:
        checks.append(gxe.ExpectColumnValueLengthsToBeBetween(
            column=field, max_value=spec["max_length"], meta=meta("too_long", max_length=spec["max_length"])))
    if "allowed" in spec or "allowed_from" in spec:
        allowed = spec.get("allowed") or _config_values(spec["allowed_from"])
        checks.append(gxe.ExpectColumnValuesToBeInSet(column=field, value_set=allowed,
                                                      meta=meta("not_allowed", allowed=", ".join(allowed))))
    if "unique_within" in spec:
        checks.append(gxe.ExpectCompoundColumnsToBeUnique(
            column_list=[FILE_COLUMN, *spec["unique_within"], field], ignore_row_if="any_value_is_missing",
            meta=meta("duplicate")))
    return checks


def _config_values(name: str) -> list[str]:
    """The values listed in config/<name>.yaml: a YAML list, or a mapping keyed by the values."""
    return sorted(str(value) for value in config.config_file(f"{name}.yaml"))


@dataclass(frozen=True)
class _Validator:
    definition: gx.ValidationDefinition
    context: EphemeralDataContext
    columns: list[str]                  # the batch columns the suite reads
    bounds: dict[str, set[float]]       # numeric field -> the bounds its float view is compared with


@functools.cache
def _context() -> tuple[EphemeralDataContext, BatchDefinition]:
    """The process's ephemeral GX context, quiet, with its whole-dataframe batch definition."""
    for name in ["great_expectations", *logging.root.manager.loggerDict]:
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.ERROR)   # some GX modules set INFO on their own logger
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("typed_rows").add_dataframe_asset("typed_rows")
    return context, asset.add_batch_definition_whole_dataframe("whole_frame")


@functools.cache
def _validator(min_shelf_life_days: int) -> _Validator:
    context, batch_definition = _context()
    suite = context.suites.add_or_update(build_suite(min_shelf_life_days))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite))
    columns: dict[str, None] = {}
    bounds: dict[str, set[float]] = {}
    for expectation in suite.expectations:
        kwargs = expectation.configuration.kwargs
        columns.update(dict.fromkeys(kwargs.get("column_list") or [kwargs["column"]]))
        if kwargs.get("column", "").endswith(NUMBER):
            limits = {float(kwargs[k]) for k in ("min_value", "max_value") if kwargs.get(k) is not None}
            bounds.setdefault(kwargs["column"].removesuffix(NUMBER), set()).update(limits)
    return _Validator(definition, context, list(columns), bounds)


def validate(typed: pd.DataFrame, *, min_shelf_life_days: int = 180) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows that pass every check, without helper columns; one reject per failing row, field and rule)."""
    validator = _validator(min_shelf_life_days)
    result = validator.definition.run(
        batch_parameters={"dataframe": _batch_frame(typed, validator)},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]})
    _forget_results(validator.context)
    failures, checks = _failures(result, typed)
    keep = np.ones(len(typed), dtype=bool)
    keep[failures["row"].to_numpy()] = False
    valid = typed[keep].drop(columns=[c for c in typed.columns if c.endswith(HELPER_SUFFIXES)])
    return valid, _rejects(typed, failures, checks)


def _forget_results(context: EphemeralDataContext) -> None:
    """run() files every result, COMPLETE lists included, in the context's memory; nothing reads them."""
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)


def _batch_frame(typed: pd.DataFrame, validator: _Validator) -> pd.DataFrame:
    """What GX sees: a row id, the columns the suite reads, float views of numeric fields.

    A field whose parser cannot fail has no `__error` column: an empty one stands in for it.
    """
    batch = pd.DataFrame({ROW_ID: np.arange(len(typed))})
    for column in validator.columns:
        if column.endswith(NUMBER):
            field = column.removesuffix(NUMBER)
            batch[column] = _number_view(typed[field], validator.bounds[field]).array
        elif column.endswith("__error") and column not in typed:
            batch[column] = pd.Series(pd.NA, index=batch.index, dtype="object")
        else:
            batch[column] = typed[column].array
    return batch


def _number_view(values: pd.Series, bounds: set[float]) -> pd.Series:
    """float64 copy of a Decimal or integer column that compares with each bound as the exact value does."""
    exact = values.astype("object")
    floats = {value: _float_beside(value, bounds) for value in exact.dropna().unique()}
    return exact.map(floats).astype("float64")


def _float_beside(value: Any, bounds: set[float]) -> float:
    """float(value), moved one step off a bound it rounds onto (e.g. 1E-400 must stay above 0)."""
    number = float(value)
    if number in bounds and value != number:
        return math.nextafter(number, math.inf if value > number else -math.inf)
    return number


def _failures(result: ExpectationSuiteValidationResult,
              typed: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """(one line per failing row and check: row, check, field, rule, parse; each check's meta and kwargs).

    The rule of a parse-error check is the row's `<field>__error` cell.
    """
    parts, checks = [], []
    for outcome in result.results:
        if outcome.success:
            continue
        if "unexpected_index_list" not in outcome.result:
            raise RuntimeError(f"GX could not run {outcome.expectation_config.type}: "
                               f"{_exception_messages(outcome.exception_info)}")
        meta = outcome.expectation_config.meta
        found = pd.DataFrame.from_records(outcome.result["unexpected_index_list"], columns=[ROW_ID])
        rows = found[ROW_ID].to_numpy(dtype="int64")
        parse = meta["rule"] == PARSE_ERROR
        rule = typed[f"{meta['field']}__error"].to_numpy()[rows] if parse else meta["rule"]
        parts.append(pd.DataFrame({"row": rows, "check": len(checks), "field": meta["field"], "rule": rule,
                                   "parse": parse}))
        checks.append({**meta, **outcome.expectation_config.kwargs})
    if not parts:
        return pd.DataFrame(columns=list(FAILURE_DTYPES)).astype(FAILURE_DTYPES), checks
    return pd.concat(parts, ignore_index=True), checks


def _exception_messages(info: dict[str, Any]) -> str:
    """GX nests exception_info by metric when a metric failed to compute."""
    nested = [value for value in info.values() if isinstance(value, dict)] or [info]
    return "; ".join(str(value.get("exception_message")) for value in nested)


def _rejects(typed: pd.DataFrame, failures: pd.DataFrame, checks: list[dict[str, Any]]) -> pd.DataFrame:
    """Rejects for the failures; a parse error on a row's field hides that field's other failures there."""
    cells = pd.MultiIndex.from_frame(failures[["row", "field"]])
    parsed = pd.MultiIndex.from_frame(failures.loc[failures["parse"], ["row", "field"]])
    failures = failures[failures["parse"].to_numpy() | ~cells.isin(parsed)]
    frames = [_check_rejects(typed.iloc[group["row"].to_numpy()].reset_index(drop=True), checks[check], rule)
              for (check, rule), group in failures.groupby(["check", "rule"])]
    return (concat_rejects(frames)
            .sort_values(["source_file", "source_row", "field", "rule"], kind="stable")
            .reset_index(drop=True))


def _check_rejects(rows: pd.DataFrame, check: dict[str, Any], rule: str) -> pd.DataFrame:
    """Rejects of the rows that failed one check with one rule; message placeholders filled per row."""
    field = check["field"]
    typed_text = _as_text(rows[field])
    sent = rows.get(f"{field}__raw", pd.Series(pd.NA, index=rows.index, dtype="object"))
    params = {**check["params"], "typed": typed_text}
    if check["rule"] == PARSE_ERROR and f"{field}__detail" in rows:
        params["detail"] = rows[f"{field}__detail"]
    if rule == "duplicate":
        params["rows"] = _shared_rows(rows, check["column_list"])
    return make_rejects(rows, field=field, rule=rule, value=sent.where(sent.notna(), typed_text), **params)


def _as_text(values: pd.Series) -> pd.Series:
    """The typed values as text (Decimal('12.50') -> '12.50'), NA kept."""
    shown = values.astype("object")
    return shown.where(shown.isna(), shown.astype(str))


def _shared_rows(rows: pd.DataFrame, key: list[str]) -> pd.Series:
    """For each row, the source rows that share its key, e.g. '4, 9'."""
    return rows.groupby(key)["source_row"].transform(lambda found: ", ".join(map(str, sorted(found))))
