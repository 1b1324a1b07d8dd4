"""Tests for pipeline.transform.validate: the GX suite generated from the schema, and the rejects it yields.

A GX run costs about half a second whatever the frame's size, so most tests read one validated
catalogue whose rows are named scenarios.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pytest

from pipeline import config
from pipeline.transform import validate as validation
from pipeline.transform.rejects import REJECT_COLUMNS
from pipeline.transform.validate import KnownValues, validate
from pipeline.transform.validation_suite import PARSE_ERROR, build_suite

SETTINGS = config.settings()

TYPE_DTYPES = {"decimal": "object", "integer": "Int64", "boolean": "boolean"}
TARIFS = "mas-des-oliviers/tarifs.csv"
GOOD = {"vendor_id": "mas-des-oliviers", "source_file": TARIFS, "title": "Savon à la lavande 100 g",
        "price": Decimal("4.90"), "price__raw": "4,90 €", "currency": "EUR", "price_includes_vat": True,
        "net_content": Decimal("100"), "net_unit": "g", "stock": 12, "shelf_life_days": 730,
        "shelf_life_days__raw": "24 mois"}

# name -> (what differs from GOOD, the one reject expected: field, rule, value, part of the French message)
ONE_REJECT = {
    "no title": ({"title": None},
                 ("title", "required", "", "Le champ « Désignation » est vide ; il est obligatoire.")),
    "barcode typo": ({"barcode__raw": "3017620422004", "barcode__error": "gtin_check_digit",
                      "barcode__detail": "3"},
                     ("barcode", "gtin_check_digit", "3017620422004", "(attendu 3 en dernier chiffre)")),
    "unreadable price, so empty": ({"price": None, "price__raw": "douze euros",
                                    "price__error": "money_unreadable"},
                                   ("price", "money_unreadable", "douze euros",
                                    "« douze euros » n'est pas un prix")),
    "negative content": ({"net_content": Decimal("-5"), "net_content__raw": "-5 g"},
                         ("net_content", "not_positive", "-5 g",
                          "« Contenance / poids net » vaut « -5 g » : "
                          "la valeur doit être strictement positive.")),
    "zero weight, no raw column": ({"weight_g": Decimal("0")},
                                   ("weight_g", "not_positive", "0", "« Poids » vaut « 0 »")),
    "negative stock": ({"stock": -1, "stock__raw": "-1"},
                       ("stock", "below_min", "-1", "la valeur doit être au moins 0.")),
    "huge stock": ({"stock": 900_000_001, "stock__raw": "900000001"},
                   ("stock", "above_max", "900000001", "dépasse le maximum autorisé (900000000)")),
    "long sku": ({"sku": "S" * 49}, ("sku", "too_long", "S" * 49, "« Référence » dépasse 48 caractères.")),
    "unit kg": ({"net_unit": "kg"}, ("net_unit", "not_allowed", "kg", "« Unité » vaut « kg »")),
    "unknown currency": ({"currency": "XYZ", "currency__raw": "XYZ"},
                         ("currency", "not_allowed", "XYZ", "« Devise » vaut « XYZ »")),
    "three months": ({"shelf_life_days": 90, "shelf_life_days__raw": "3 mois"},
                     ("shelf_life_days", "shelf_life_too_short", "3 mois",
                      "Durée de conservation « 3 mois » (90 jours), inférieure au minimum de 180 jours")),
}
# name -> (price, the rule it breaks or None)
PRICES = {
    "price 0": (Decimal("0"), "not_positive"),
    "price -5": (Decimal("-5"), "not_positive"),
    "price 0.01": (Decimal("0.01"), None),
    "price 1E-400": (Decimal("1E-400"), None),                  # float() alone would make it 0.0
    "price 1000000": (Decimal("1000000"), None),
    "price 1000000.01": (Decimal("1000000.01"), "above_max"),
    "price just above 1000000": (Decimal("1000000.0000000000000001"), "above_max"),   # float() gives 1e6
    "price 1E+30": (Decimal("1E+30"), "above_max"),
}
OTHERS = {"good": {}, "no shelf life": {"shelf_life_days": None, "shelf_life_days__raw": None},
          "no title, zero price": {"title": None, "price": Decimal("0"), "price__raw": "0,00"}}
SCENARIOS = {**{name: bad for name, (bad, _) in ONE_REJECT.items()},
             **{name: {"price": price, "price__raw": str(price)} for name, (price, _) in PRICES.items()},
             **OTHERS}
ROW = {name: 2 + i for i, name in enumerate(SCENARIOS)}        # scenario -> its source_row


def typed_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """A typed frame: each row is GOOD plus its overrides, on source rows 2, 3, … with SKUs SKU-2, SKU-3, …

    Every schema field gets its typed dtype; a helper column (`<field>__raw` …) exists when a row names it.
    """
    records = [{"source_row": 2 + i, "sku": f"SKU-{2 + i}", **GOOD, **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame({"vendor_id": [r["vendor_id"] for r in records],
                          "source_file": [r["source_file"] for r in records],
                          "source_row": pd.array([r["source_row"] for r in records], dtype="Int64")})
    for field, spec in config.schema_fields().items():
        dtype = TYPE_DTYPES.get(spec["type"], "object")
        frame[field] = pd.Series([r.get(field) for r in records], dtype=dtype)
    for helper in sorted({key for r in records for key in r if "__" in key}):
        frame[helper] = pd.Series([r.get(helper, pd.NA) for r in records], dtype="object")
    return frame


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    typed = typed_frame(*SCENARIOS.values())
    typed.index = typed.index * 10            # an index that is not positions must survive
    return typed


@pytest.fixture(scope="module")
def checked(catalogue) -> tuple[pd.DataFrame, pd.DataFrame]:
    return validate(catalogue, settings=SETTINGS)


def rejects_of(checked: tuple[pd.DataFrame, pd.DataFrame], scenario: str) -> pd.DataFrame:
    rejects = checked[1]
    return rejects[rejects["source_row"] == ROW[scenario]].reset_index(drop=True)


@pytest.mark.parametrize("scenario", ONE_REJECT)
def test_each_rule_rejects_its_row_and_field_with_the_message_filled(checked, scenario):
    bad, (field, rule, value, says) = ONE_REJECT[scenario]

    rejects = rejects_of(checked, scenario)

    assert len(rejects) == 1, rejects[["field", "rule"]].to_string()
    reject = rejects.iloc[0]
    assert (reject["vendor_id"], reject["source_file"], reject["sku"]) == (
        "mas-des-oliviers", TARIFS, bad.get("sku", f"SKU-{ROW[scenario]}"))
    assert (reject["field"], reject["rule"], reject["value"]) == (field, rule, value)
    assert says in reject["message_fr"]
    assert "{" not in reject["message_fr"] + reject["message_en"]


@pytest.mark.parametrize("scenario", PRICES)
def test_price_bounds_are_exact(checked, scenario):
    price, rule = PRICES[scenario]

    rejects = rejects_of(checked, scenario)

    assert rejects["rule"].tolist() == ([rule] if rule else [])
    if rule:
        assert f"« {price} »" in rejects.loc[0, "message_fr"]


def test_a_row_failing_two_fields_has_two_rejects_and_is_removed_once(checked):
    rejects = rejects_of(checked, "no title, zero price")

    assert rejects[["field", "rule"]].values.tolist() == [["price", "not_positive"], ["title", "required"]]
    assert ROW["no title, zero price"] not in checked[0]["source_row"].tolist()


def test_valid_rows_are_the_untouched_rows_without_rejects(catalogue, checked):
    valid, rejects = checked

    passing = ~catalogue["source_row"].isin(rejects["source_row"])
    helpers = [c for c in catalogue.columns if "__" in c]
    pd.testing.assert_frame_equal(valid, catalogue[passing].drop(columns=helpers))
    assert set(valid["source_row"]) == {ROW[name] for name in ("good", "no shelf life", "price 0.01",
                                                               "price 1E-400", "price 1000000")}


def test_rejects_have_the_contract_columns_sorted_by_row_and_field(checked):
    rejects = checked[1]

    assert list(rejects.columns) == REJECT_COLUMNS
    assert rejects[["source_row", "field"]].values.tolist() == sorted(
        rejects[["source_row", "field"]].values.tolist())


def test_every_row_of_a_duplicated_sku_is_rejected_with_the_rows_that_share_it():
    typed = typed_frame({"source_row": 4, "sku": "OLIVE-1L"}, {"source_row": 5, "sku": "OLIVE-50CL"},
                        {"source_row": 9, "sku": "OLIVE-1L"}, {"source_row": 10, "sku": None},
                        {"source_row": 11, "sku": None})
    nouveautes = typed_frame({"source_file": "mas-des-oliviers/nouveautes.csv", "sku": "OLIVE-1L",
                              "title": None})

    valid, rejects = validate(pd.concat([typed, nouveautes], ignore_index=True), settings=SETTINGS)

    assert rejects[["source_file", "source_row", "field", "value", "rule"]].values.tolist() == [
        ["mas-des-oliviers/nouveautes.csv", 2, "title", "", "required"],
        [TARIFS, 4, "sku", "OLIVE-1L", "duplicate"], [TARIFS, 9, "sku", "OLIVE-1L", "duplicate"],
        [TARIFS, 10, "sku", "", "required"], [TARIFS, 11, "sku", "", "required"]]
    assert rejects.loc[1, "message_fr"] == (
        "La référence « OLIVE-1L » apparaît 2 fois dans le fichier (lignes 4, 9) ; "
        "aucune de ces lignes n'est publiée tant que le doublon n'est pas levé.")
    assert valid[["source_file", "source_row"]].values.tolist() == [[TARIFS, 5]]


def test_a_sku_listed_thousands_of_times_costs_as_much_as_its_rows():
    typed = typed_frame(*({"source_row": n, "sku": "SAME"} for n in range(2, 5_002)), {"source_row": 9_000,
                                                                                       "sku": "ALONE"})

    valid, rejects = validate(typed, settings=SETTINGS)

    assert len(rejects) == 5_000 and valid["sku"].tolist() == ["ALONE"]
    assert rejects["message_en"].nunique() == 1 and rejects["message_en"].str.len().max() < 300
    assert "appears 5000 times in the file (rows 2, 3, 4, 5, 6, …)" in rejects.loc[0, "message_en"]


def test_shelf_life_minimum_is_a_run_setting_and_a_missing_shelf_life_passes(checked):
    typed = typed_frame(SCENARIOS["three months"], SCENARIOS["no shelf life"])

    valid, rejects = validate(typed, min_shelf_life_days=60, settings=SETTINGS)

    assert rejects.empty and len(valid) == 2
    assert rejects_of(checked, "no shelf life").empty


def test_every_expectation_names_a_schema_field_and_a_rule():
    fields, rules = config.schema_fields(), config.rules()
    expectations = build_suite(SETTINGS, 180).expectations
    assert expectations
    for expectation in expectations:
        assert expectation.meta["field"] in fields
        assert expectation.meta["rule"] in rules or expectation.meta["rule"] == PARSE_ERROR


def test_the_suite_follows_the_schema():
    schema = {**SETTINGS.fields, "subtitle": {"type": "string", "max_length": 150}}

    added = [e for e in build_suite(dataclasses.replace(SETTINGS, fields=schema), 180).expectations
             if e.meta["field"] == "subtitle"]

    assert [(type(e), e.meta["rule"]) for e in added] == [
        (gxe.ExpectColumnValuesToBeNull, PARSE_ERROR), (gxe.ExpectColumnValueLengthsToBeBetween, "too_long")]
    assert added[1].column == "subtitle" and added[1].max_value == 150


def test_single_column_checks_see_each_distinct_value_once(monkeypatch):
    rows = [{"stock": i % 7, "stock__raw": str(i % 7), "title": "Savon" if i % 2 else None}
            for i in range(2_000)]
    typed = typed_frame(*rows)
    seen: list[tuple[int, list[str]]] = []
    failing = validation._failing

    def spy(batch, checks, *args):
        seen.append((len(batch), sorted(batch.columns)))
        return failing(batch, checks, *args)

    monkeypatch.setattr(validation, "_failing", spy)
    valid, rejects = validate(typed, settings=SETTINGS)

    keys = [length for length, columns in seen if "sku" in columns]
    assert keys == [2_000]                                  # the SKU's checks read every row
    assert all(length <= 7 for length, columns in seen if "sku" not in columns)
    assert (rejects["rule"] == "required").sum() == 1_000 and set(rejects["field"]) == {"title"}
    assert len(valid) == 1_000


def test_a_failing_value_padding_a_batch_rejects_only_its_own_rows():
    # 600 distinct stocks and two currencies share a batch: the currency column is padded to 600 values with
    # its most common one, "XYZ", which fails
    typed = typed_frame(*({"stock": i, "stock__raw": str(i), "currency": "XYZ" if i < 400 else "EUR"}
                          for i in range(600)))

    valid, rejects = validate(typed, settings=SETTINGS)

    assert rejects["rule"].eq("not_allowed").all() and rejects["source_row"].tolist() == list(range(2, 402))
    assert valid["source_row"].tolist() == list(range(402, 602))


def test_an_empty_frame_validates_to_nothing():
    valid, rejects = validate(typed_frame(GOOD).iloc[:0], settings=SETTINGS)

    assert valid.empty and rejects.empty and list(rejects.columns) == REJECT_COLUMNS


def test_only_the_parse_errors_of_fields_that_can_fail_are_checked(monkeypatch):
    typed = typed_frame(GOOD, {"barcode__raw": "123", "barcode__error": "gtin_length", "barcode__detail": "3"})
    read: list[str] = []
    failing = validation._failing

    def spy(batch, checks, *args):
        read.extend(column for check in checks for column in check.columns)
        return failing(batch, checks, *args)

    monkeypatch.setattr(validation, "_failing", spy)
    _, rejects = validate(typed, settings=SETTINGS)

    assert {c for c in read if c.endswith("__error")} == {c for c in typed.columns if c.endswith("__error")}
    assert rejects[["field", "rule"]].values.tolist() == [["barcode", "gtin_length"]]


def _batches_seen(monkeypatch) -> list[dict[str, int]]:
    """Spy on GX: for each batch it validates, {column: length}."""
    seen: list[dict[str, int]] = []
    failing = validation._failing

    def spy(batch, checks, *args):
        seen.append({column: len(batch) for column in batch.columns})
        return failing(batch, checks, *args)

    monkeypatch.setattr(validation, "_failing", spy)
    return seen


def test_values_known_from_an_earlier_frame_are_not_validated_again(catalogue, checked, monkeypatch):
    known = KnownValues()
    validate(catalogue, known=known, settings=SETTINGS)
    seen = _batches_seen(monkeypatch)

    valid, rejects = validate(catalogue, known=known, settings=SETTINGS)

    assert [set(batch) for batch in seen] == [{"source_file", "vendor_id", "sku"}]   # only the row-by-row checks
    pd.testing.assert_frame_equal(valid, checked[0])
    pd.testing.assert_frame_equal(rejects, checked[1])      # failures known before are found all the same


def test_only_the_new_values_of_a_later_frame_are_validated(monkeypatch):
    known = KnownValues()
    validate(typed_frame(*({"stock": i, "stock__raw": str(i)} for i in range(5))), known=known, settings=SETTINGS)
    seen = _batches_seen(monkeypatch)
    later = typed_frame(*({"stock": i, "stock__raw": str(i)} for i in [3, 4, -1, 4, -1]))

    valid, rejects = validate(later, known=known, settings=SETTINGS)

    assert [batch["stock__number"] for batch in seen if "stock__number" in batch] == [1]    # -1 alone
    assert rejects[["source_row", "rule"]].values.tolist() == [[4, "below_min"], [6, "below_min"]]
    assert valid["source_row"].tolist() == [2, 3, 5]


def test_known_values_are_kept_up_to_a_limit_per_column_and_the_verdicts_stay_right(monkeypatch):
    known = KnownValues(limit=2)
    first = typed_frame(*({"stock": i, "stock__raw": str(i)} for i in [-1, 1, 2, 3]))
    validate(first, known=known, settings=SETTINGS)
    seen = _batches_seen(monkeypatch)

    valid, rejects = validate(first, known=known, settings=SETTINGS)

    assert [batch["stock__number"] for batch in seen if "stock__number" in batch] == [2]    # 2 of 4 kept
    assert rejects[["source_row", "rule"]].values.tolist() == [[2, "below_min"]]
    assert len(valid) == 3
