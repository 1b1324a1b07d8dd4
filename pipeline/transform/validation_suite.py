"""The GX suite generated from the vendor-product schema (schemas/vendor_product.yaml), and the view of it
validation works with: each expectation as a check with its position and the columns it reads."""
from __future__ import annotations

import copy
import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from pipeline.transform.parse import ERROR_SUFFIX
from pipeline.transform.settings import Settings

NUMBER_VIEW = "__number"            # suffix of the float64 view on which a field's bounds are checked
PARSE_ERROR = "parse_error"         # meta rule of a `<field>__error` check: the rule is the cell's own value
SETTING_RULES = {"min_shelf_life_days": "shelf_life_too_short"}   # run setting (a lower bound) -> rule
FILE_COLUMN = "source_file"         # schema: `unique_within` columns are unique within one file


def build_suite(settings: Settings, min_shelf_life_days: int) -> gx.ExpectationSuite:
    """The suite for schemas/vendor_product.yaml; each expectation's meta names its field, rule and params."""
    run_settings = {"min_shelf_life_days": min_shelf_life_days}
    return gx.ExpectationSuite(
        name=f"vendor_product_min_shelf_life_{min_shelf_life_days}",
        expectations=[expectation for field, spec in settings.fields.items()
                      for expectation in _field_expectations(field, spec, run_settings, settings)])


def _field_expectations(field: str, spec: Mapping[str, Any], run_settings: Mapping[str, Any],
                        settings: Settings) -> list[gxe.Expectation]:
    def meta(rule: str, **params: Any) -> dict[str, Any]:
        return {"field": field, "rule": rule, "params": params}

    number = field + NUMBER_VIEW
    checks: list[gxe.Expectation] = [gxe.ExpectColumnValuesToBeNull(column=field + ERROR_SUFFIX,
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
        bound = run_settings[spec["setting"]]
        checks.append(gxe.ExpectColumnValuesToBeBetween(
            column=number, min_value=bound, meta=meta(SETTING_RULES[spec["setting"]], min=bound)))
    if "max_length" in spec:
        checks.append(gxe.ExpectColumnValueLengthsToBeBetween(
            column=field, max_value=spec["max_length"], meta=meta("too_long", max_length=spec["max_length"])))
    if "allowed" in spec or "allowed_from" in spec:
        allowed = spec.get("allowed") or _config_values(settings.config(f"{spec['allowed_from']}.yaml"))
        checks.append(gxe.ExpectColumnValuesToBeInSet(column=field, value_set=allowed,
                                                      meta=meta("not_allowed", allowed=", ".join(allowed))))
    if "unique_within" in spec:
        checks.append(gxe.ExpectCompoundColumnsToBeUnique(
            column_list=[FILE_COLUMN, *spec["unique_within"], field], ignore_row_if="any_value_is_missing",
            meta=meta("duplicate")))
    return checks


def _config_values(listed: Any) -> list[str]:
    """The values a config file lists: a YAML list, or a mapping keyed by the values."""
    return sorted(str(value) for value in listed)


@dataclass(frozen=True)
class Check:
    """One expectation of the suite, with its position there and the batch columns it reads."""

    position: int
    expectation: gxe.Expectation
    columns: tuple[str, ...]


@dataclass(frozen=True)
class SuiteChecks:
    suite_name: str
    checks: tuple[Check, ...]                  # in suite order
    by_key: dict[tuple[str, str], Check]       # (expectation type, meta as JSON) -> check, to read GX results
    keys: frozenset[str]                        # columns of multi-column checks: validated row by row
    bounds: dict[str, set[float]]               # numeric field -> the bounds its float view is compared with


@functools.cache
def batch_definition() -> BatchDefinition:
    """The process's ephemeral GX context, quiet: its whole-dataframe batch definition."""
    for name in ["great_expectations", *logging.root.manager.loggerDict]:
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.ERROR)   # some GX modules set INFO on their own logger
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("typed_rows").add_dataframe_asset("typed_rows")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


@functools.cache
def suite_checks(settings: Settings, min_shelf_life_days: int) -> SuiteChecks:
    """The suite of `settings` as checks, once per process for each (settings, shelf-life bound)."""
    suite = build_suite(settings, min_shelf_life_days)
    checks: list[Check] = []
    bounds: dict[str, set[float]] = {}
    for position, expectation in enumerate(suite.expectations):
        kwargs = expectation.configuration.kwargs
        checks.append(Check(position, expectation, tuple(kwargs.get("column_list") or [kwargs["column"]])))
        if kwargs.get("column", "").endswith(NUMBER_VIEW):
            limits = {float(kwargs[k]) for k in ("min_value", "max_value") if kwargs.get(k) is not None}
            bounds.setdefault(kwargs["column"].removesuffix(NUMBER_VIEW), set()).update(limits)
    keys = frozenset(column for check in checks if len(check.columns) > 1 for column in check.columns)
    by_key = {check_key(check.expectation.configuration): check for check in checks}
    return SuiteChecks(suite.name, tuple(checks), by_key, keys, bounds)


def check_key(configuration: ExpectationConfiguration) -> tuple[str, str]:
    return configuration.type, json.dumps(configuration.meta, sort_keys=True, default=str)


@functools.lru_cache(maxsize=256)
def sub_suite(settings: Settings, min_shelf_life_days: int, positions: tuple[int, ...]) -> gx.ExpectationSuite:
    """The suite's expectations at `positions`, as a suite of their own."""
    validator = suite_checks(settings, min_shelf_life_days)
    return gx.ExpectationSuite(name=f"{validator.suite_name}_{'_'.join(map(str, positions))}",
                               expectations=[copy.copy(validator.checks[p].expectation) for p in positions])
