"""Tests of pipeline.transform.gtin: barcode digits and the GS1 check digit."""
from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest

from pipeline.transform import gtin
from pipeline.transform.gtin import GTIN_LENGTHS, check_digits, gs1_check_digit, parse_gtin


def first_row(cell: object) -> dict:
    frame = parse_gtin(pd.Series([cell], dtype=object))
    return {column: frame[column].iloc[0] for column in frame}


@pytest.mark.parametrize(("cell", "digits"), [
    ("3368954957571", "3368954957571"),          # EAN-13 from the Akeneo export
    ("80446392", "80446392"),                    # EAN-8
    ("0000080446392", "0000080446392"),          # the same EAN-8 zero-padded: valid, leading zeros kept
    ("012345678905", "012345678905"),            # UPC-A / GTIN-12
    ("10012345678902", "10012345678902"),        # GTIN-14
    ("3368954957571.0", "3368954957571"),        # spreadsheet decimals
    ("3368954957571,0", "3368954957571"),
    (" 336-8954 957571 ", "3368954957571"),
])
def test_valid_codes(cell: str, digits: str) -> None:
    assert first_row(cell) == {"gtin": digits, "error": pd.NA, "detail": pd.NA}


@pytest.mark.parametrize(("cell", "error", "detail"), [
    ("4.6347E+11", "gtin_scientific", pd.NA),
    ("3,76099E+12", "gtin_scientific", pd.NA),
    ("1,76701E+15", "gtin_scientific", pd.NA),
    ("ABC123", "gtin_characters", pd.NA),
    ("336895495757O", "gtin_characters", pd.NA),
    ("12345", "gtin_length", "5"),
    ("33689549575710", "gtin_check_digit", "2"),
    ("3368954957572", "gtin_check_digit", "1"),
    ("1234567890123", "gtin_check_digit", "8"),
])
def test_invalid_codes(cell: str, error: str, detail: object) -> None:
    assert first_row(cell) == {"gtin": pd.NA, "error": error, "detail": detail}


@pytest.mark.parametrize(("body", "digit"), [("336895495757", 1), ("8044639", 2), ("01234567890", 5)])
def test_gs1_check_digit(body: str, digit: int) -> None:
    assert gs1_check_digit(body) == digit


def test_shopify_barcodes_mangled_by_excel(real_fixtures) -> None:
    sheet = pd.read_csv(real_fixtures / "shopify-product_template-2023.csv", dtype=object,
                        keep_default_na=False)
    barcodes = sheet["Variant Barcode"].replace("", pd.NA).dropna()
    assert "4.6347E+11" in barcodes.tolist()
    assert (parse_gtin(barcodes)["error"] == "gtin_scientific").all()


def test_each_distinct_cell_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = pd.Series(["3368954957571", "80446392", "3368954957572"], dtype=object).sample(
        10_000, replace=True, random_state=1)
    check = mock.Mock(wraps=gtin._gtins)
    monkeypatch.setattr(gtin, "_gtins", check)
    result = parse_gtin(s)
    assert check.call_count == 1 and len(check.call_args.args[0]) == 3
    assert (result["error"] == "gtin_check_digit").sum() == (s == "3368954957572").sum()


def test_vectorised_check_digits_agree_with_gs1_check_digit() -> None:
    rng = np.random.default_rng(5)
    codes = np.array(["".join(map(str, rng.integers(0, 10, length))) for length in rng.choice(GTIN_LENGTHS, 500)],
                     dtype=object)
    lengths = np.array([len(code) for code in codes])

    expected, last = check_digits(codes, lengths)

    assert expected.tolist() == [gs1_check_digit(code[:-1]) for code in codes]
    assert last.tolist() == [int(code[-1]) for code in codes]


def test_digits_only_and_cleaned_cells_mixed() -> None:
    cells = pd.Series(["3368954957571", " 3368954957571", "3368954957572", "12345", "٣٣٦٨٩٥٤٩٥٧٥٧١", "",
                       "80446392,0", "1e5"], dtype=object)

    result = parse_gtin(cells)

    assert result["error"].tolist() == [pd.NA, pd.NA, "gtin_check_digit", "gtin_length", "gtin_characters",
                                        "gtin_characters", pd.NA, "gtin_scientific"]
    assert result["gtin"].tolist() == ["3368954957571", "3368954957571", pd.NA, pd.NA, pd.NA, pd.NA, "80446392",
                                       pd.NA]
    assert result["detail"].tolist() == [pd.NA, pd.NA, "1", "5", pd.NA, pd.NA, pd.NA, pd.NA]
