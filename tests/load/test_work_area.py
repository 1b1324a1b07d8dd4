"""The work area's frames and tables: what goes in comes back, on a local disk and on an fsspec memory store."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from pipeline.load import work_area


@pytest.fixture(params=["local", "memory"])
def folder(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path)
    return f"memory://work-area-{tmp_path.name}"


@pytest.fixture
def priced_rows() -> pd.DataFrame:
    return pd.DataFrame({"sku": ["SAV-1", "SAV-2", "SAV-3"],
                         "price": [Decimal("12.50"), None, Decimal("12.50")],
                         "best_before": [dt.date(2027, 5, 1), dt.date(2027, 6, 1), None],
                         "stock": pd.array([3, None, 0], dtype="Int64")})


def test_a_frame_comes_back_with_decimals_dates_and_nullable_integers(folder, priced_rows):
    uri = work_area.write_frame(f"{folder}/a/rows.arrow", priced_rows)
    back = work_area.read_frame(uri)
    assert back["sku"].tolist() == ["SAV-1", "SAV-2", "SAV-3"]
    assert back["price"].tolist()[0] == Decimal("12.50") and pd.isna(back["price"][1])
    assert back["best_before"].tolist()[:2] == [dt.date(2027, 5, 1), dt.date(2027, 6, 1)]
    assert str(back["stock"].dtype) == "Int64" and back["stock"].isna().tolist() == [False, True, False]


def test_a_table_reads_back_only_the_columns_asked_for(folder, priced_rows):
    uri = work_area.write_frame(f"{folder}/b/rows.arrow", priced_rows)
    assert work_area.read_table(uri, columns=["sku"]).column_names == ["sku"]
    assert work_area.read_schema(uri).names == ["sku", "price", "best_before", "stock"]


def test_a_write_leaves_no_temporary_file(tmp_path, priced_rows):
    work_area.write_frame(f"{tmp_path}/c/rows.arrow", priced_rows)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["rows.arrow"]


def test_a_decimal_column_whose_first_cells_are_empty_stays_decimal(tmp_path):
    frame = pd.DataFrame({"price": [None] * 100 + [Decimal("2.50")]})
    back = work_area.read_frame(work_area.write_frame(f"{tmp_path}/d.arrow", frame))
    assert back["price"].iloc[-1] == Decimal("2.50") and back["price"].iloc[:100].isna().all()


def test_parts_copied_one_after_the_other_make_the_whole(folder, tmp_path):
    for n, part in enumerate((b"\xff\xfeheader\r\n", b"", b"x" * 5_000_000)):
        work_area.write_bytes(f"{folder}/parts/{n}", part)
    with open(tmp_path / "whole", "wb", buffering=0) as target:
        target.write(b"head:")
        for n in range(3):
            work_area.copy_into(f"{folder}/parts/{n}", target)
    assert (tmp_path / "whole").read_bytes() == b"head:\xff\xfeheader\r\n" + b"x" * 5_000_000


def test_equal_decimals_read_back_share_one_object(tmp_path):
    frame = pd.DataFrame({"price": [Decimal("12.50"), Decimal("3.10"), Decimal("12.50")]})
    back = work_area.read_frame(work_area.write_frame(f"{tmp_path}/e.arrow", frame))
    assert back["price"].tolist() == frame["price"].tolist() and back["price"][0] is back["price"][2]
