import datetime as dt
import hashlib
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from pipeline.transform.delta import (
    _decode,
    classify_changes,
    content_hashes,
    decode_rows,
    withdrawn,
)


def _cells(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"title": [f"薰衣草皂 {i}" for i in range(n)], "price": ["36.50"] * n,
                         "description": ["<p>a\"b</p>", "", "x\\y"][:n] + ["z"] * max(0, n - 3)}, dtype="str")


def test_content_hash_is_the_sha256_of_the_cells_joined_by_unit_separators():
    cells = _cells()
    expected = [hashlib.sha256("\x1f".join(row).encode()).hexdigest() for row in cells.itertuples(index=False)]
    assert content_hashes(cells).tolist() == expected


def test_content_hashes_are_the_same_for_object_cells_and_across_chunks():
    cells = _cells(7).set_axis(list("abcdefg"))
    hashes = content_hashes(cells)
    assert hashes.index.tolist() == list("abcdefg")
    assert content_hashes(cells.astype(object), chunk_rows=2).tolist() == hashes.tolist()
    assert hashes.nunique() == 7 and all(len(h) == 64 for h in hashes)


def test_a_changed_cell_changes_the_hash():
    cells = _cells()
    changed = cells.assign(price=["36.50", "36.51", "36.50"])
    assert (content_hashes(cells) == content_hashes(changed)).tolist() == [True, False, True]


def _expected_hashes(cells: pd.DataFrame) -> list[str]:
    rows = cells.astype(object).where(cells.notna(), "").itertuples(index=False)
    return [hashlib.sha256("\x1f".join(map(str, row)).encode()).hexdigest() for row in rows]


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_columns_holding_one_value_are_hashed_like_the_others(rows):
    cells = pd.DataFrame({"title": [f"皂 {i}" for i in range(rows)], "empty": [""] * rows, "unit": ["克"] * rows,
                          "same_width": [f"{i % 2}{i % 2}" for i in range(rows)], "none": [None] * rows,
                          "mostly": ["a"] * (rows - 1) + [None], "last": ["z"] * rows}, dtype="str")
    assert content_hashes(cells).tolist() == _expected_hashes(cells)
    assert content_hashes(cells, chunk_rows=2).tolist() == _expected_hashes(cells)
    constant = cells[["empty", "unit", "last"]]
    assert content_hashes(constant).tolist() == _expected_hashes(constant)
    assert content_hashes(cells[[]]).tolist() == [hashlib.sha256(b"").hexdigest()] * rows


def _encode(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if hasattr(value, "item"):                 # numpy scalars
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _old_encode(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The catalogue's JSON listings as they were written: json.dumps of each row's record."""
    records = frame[columns].astype(object).where(frame[columns].notna(), None).to_dict("records")
    return [json.dumps(r, default=_encode, sort_keys=True, ensure_ascii=False) for r in records]


def _old_decode(texts) -> pd.DataFrame:
    return pd.DataFrame([json.loads(t, object_hook=_decode) for t in texts])


def _mixed() -> pd.DataFrame:
    return pd.DataFrame({
        "title": pd.Series(['a"b', "c\\d", "e\nf\t", "\x01", None, "中文", "2026-10-30"], dtype=object),
        "brand": pd.Series(["x", "y", None, "x", "x", "x", "x"], dtype="str"),
        "price_cny": [Decimal("1.50"), Decimal("1.5"), None, Decimal("NaN"), Decimal("-2E+3"), Decimal("0"),
                      Decimal("12.34")],
        "fx_date": [dt.date(2026, 10, 30), None, dt.date(2026, 10, 29), pd.NA] + [dt.date(2026, 10, 30)] * 3,
        "stock": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
        "row": np.arange(7),
        "includes_vat": pd.array([True, None, False, True, True, True, True], dtype="boolean"),
        "mapped": [True, False] * 3 + [True],
        "weight": [1.5, np.nan, 2.0, 3.25, 1e20, -0.0, 7.0],
        "anything": [1, "x", Decimal("1"), None, 2.5, True, dt.date(2026, 1, 1)],
        "nothing": [None] * 7,
    })


@pytest.mark.parametrize("columns", [["title", "brand", "price_cny", "fx_date", "stock", "row", "includes_vat",
                                      "mapped", "weight", "nothing"], ["title"], ["price_cny", "fx_date"],
                                     ["anything"]])
def test_decoded_rows_are_what_json_gives(columns):
    texts = pd.Series(_old_encode(_mixed(), columns), dtype=object)
    decoded, expected = decode_rows(texts), _old_decode(texts)
    pd.testing.assert_frame_equal(decoded, expected, check_exact=True)
    texts_columns = expected.select_dtypes(include="object").columns
    assert len(texts_columns)
    for name in texts_columns:
        assert [(type(v), str(v)) for v in decoded[name]] == [(type(v), str(v)) for v in expected[name]]


def test_decode_restores_decimals_and_dates_exactly():
    row = decode_rows(pd.Series(_old_encode(_mixed(), ["price_cny", "fx_date", "title"]))).iloc[0]
    assert str(row["price_cny"]) == "1.50" and row["fx_date"] == dt.date(2026, 10, 30)
    assert decode_rows(pd.Series([], dtype=object)).empty


def test_a_string_that_looks_like_a_date_stays_a_string():
    decoded = decode_rows(pd.Series(['{"sku": "2026-10-30"}'] * 3))
    assert decoded["sku"].tolist() == ["2026-10-30"] * 3


def test_a_date_with_a_time_of_day_is_refused_as_before():
    with pytest.raises(ValueError):
        decode_rows(pd.Series(['{"fx_date": {"$date": "2026-10-30T10:00:00"}}']))


def _keys(*pairs, **extra) -> pd.DataFrame:
    return pd.DataFrame({"vendor_id": [p[0] for p in pairs], "sku": [p[1] for p in pairs], **extra})


def test_changes_are_new_changed_or_unchanged():
    previous = _keys(("v", "a"), ("v", "b"), ("v", "c"), listing_hash=["1", "2", "3"],
                     status=["live", "live", "withdrawn"])
    current = _keys(("v", "a"), ("v", "b"), ("v", "c"), ("v", "d"), listing_hash=["1", "9", "3", "4"])
    assert classify_changes(current, previous).tolist() == ["unchanged", "changed", "new", "new"]
    assert classify_changes(current, previous.iloc[:0]).tolist() == ["new"] * 4


def test_withdrawn_listings_are_the_live_ones_of_vendors_read_no_longer_in_their_rows():
    previous = _keys(("v", "a"), ("v", "b"), ("w", "c"), ("v", "e"), listing_hash=["1", "2", "3", "4"],
                     status=["live", "live", "live", "withdrawn"])
    gone = withdrawn(previous, {"v"}, _keys(("v", "a")))
    assert gone[["vendor_id", "sku"]].values.tolist() == [["v", "b"]]
