"""The published catalogue on SQLite and, when the local PostgreSQL is there, on PostgreSQL."""
import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

from pipeline.load import catalogue as catalogue_module
from pipeline.load.catalogue import Catalogue, InKeyOrder, catalogue_parts
from pipeline.load.state import StateStore

D1, D2, D3 = (dt.date(2026, 11, day) for day in (1, 2, 3))
AWKWARD = 'Savon "doux"\t\\ 100 g\r\nligne 2 \\N'


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalogue(request, tmp_path):
    state = str(tmp_path / "state.db") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = StateStore.open(state).engine
    store = Catalogue(engine)
    with engine.begin() as conn:
        conn.execute(catalogue_parts.delete())
    yield store
    engine.dispose()


def _lines(vendor: str, skus: list[str], tag: str, status: str = "live") -> pd.DataFrame:
    return pd.DataFrame({"vendor_id": vendor, "sku": skus, "status": status,
                         "listing_hash": [f"{tag}-{sku}" for sku in skus],
                         "listing": [f'{{"sku": "{sku}", "tag": "{tag}"}}' for sku in skus]})


def _parts(catalogue: Catalogue) -> list[tuple[str, dt.date, int, pa.Table]]:
    """(vendor_id, run_date, part, lines) of every stored part, in key order."""
    table = catalogue_parts
    with catalogue.engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.vendor_id, table.c.run_date, table.c.part, table.c.line_count,
                                      table.c.lines).order_by(table.c.vendor_id, table.c.run_date, table.c.part))
        parts = [(vendor, day, part, count, pa.ipc.open_file(pa.py_buffer(lines)).read_all())
                 for vendor, day, part, count, lines in rows]
    assert all(count == len(lines) for *_, count, lines in parts)
    return [(vendor, day, part, lines) for vendor, day, part, _, lines in parts]


def _state(catalogue: Catalogue, day: dt.date) -> dict[tuple[str, str], tuple[str, str]]:
    before = catalogue.before(day)
    return {(r.vendor_id, r.sku): (r.status, r.listing_hash) for r in before.itertuples()}


def test_before_gives_each_product_as_last_published_before_the_date(catalogue):
    catalogue.record(D1, _lines("v", ["a", "b"], "d1"), {"v"})
    catalogue.record(D2, pd.concat([_lines("v", ["a"], "d2"), _lines("v", ["b"], "d2", "withdrawn")]), {"v"})
    assert _state(catalogue, D1) == {}
    assert _state(catalogue, D2) == {("v", "a"): ("live", "d1-a"), ("v", "b"): ("live", "d1-b")}
    assert _state(catalogue, D3) == {("v", "a"): ("live", "d2-a"), ("v", "b"): ("withdrawn", "d2-b")}
    assert list(catalogue.before(D1).columns) == ["vendor_id", "sku", "status", "listing_hash"]


def test_a_rerun_of_a_date_replaces_its_lines_for_the_vendors_read_only(catalogue):
    catalogue.record(D1, pd.concat([_lines("v", ["a", "b"], "first"), _lines("w", ["c"], "first")]), {"v", "w"})
    catalogue.record(D1, _lines("v", ["a"], "again"), {"v"})
    assert _state(catalogue, D2) == {("v", "a"): ("live", "again-a"), ("w", "c"): ("live", "first-c")}
    catalogue.record(D1, _lines("v", [], "none"), {"v"})
    assert _state(catalogue, D2) == {("w", "c"): ("live", "first-c")}


def test_the_last_line_of_a_key_given_twice_wins(catalogue):
    lines = pd.concat([_lines("v", ["b", "a"], "one"), _lines("v", ["a"], "two")], ignore_index=True)
    catalogue.record(D1, lines, {"v"})
    assert _state(catalogue, D2) == {("v", "a"): ("live", "two-a"), ("v", "b"): ("live", "one-b")}


def test_listings_of_gives_the_listing_last_published_before_the_date(catalogue):
    catalogue.record(D1, _lines("v", ["a", "b"], "d1").assign(listing=[AWKWARD, "{}"]), {"v"})
    catalogue.record(D2, _lines("v", ["a"], "d2"), {"v"})
    keys = pd.DataFrame({"vendor_id": ["v", "v", "w"], "sku": ["a", "b", "x"]})
    found = catalogue.listings_of(D2, keys)
    assert found.values.tolist() == [["v", "a", AWKWARD], ["v", "b", "{}"]]
    assert catalogue.listings_of(D3, keys.iloc[:1])["listing"].tolist() == ['{"sku": "a", "tag": "d2"}']
    assert catalogue.listings_of(D1, keys).empty


def test_many_lines_go_in_batches(catalogue, monkeypatch):
    monkeypatch.setattr(catalogue_module, "BATCH", 7)
    skus = [f"SKU-{n:04d}" for n in range(500)][::-1]
    catalogue.record(D1, _lines("v", skus, "d1").assign(listing=AWKWARD), {"v"})
    state = _state(catalogue, D2)
    assert len(state) == 500 and state[("v", "SKU-0042")] == ("live", "d1-SKU-0042")
    assert set(catalogue.listings_of(D2, catalogue.before(D2))["listing"]) == {AWKWARD}


def test_lines_are_stored_with_their_run_date(catalogue):
    catalogue.record(D2, _lines("v", ["a"], "d2"), {"v"})
    assert [(run_date, part) for _, run_date, part, _ in _parts(catalogue)] == [(D2, 0)]


def test_a_rerun_keeps_the_lines_it_gives_again_and_deletes_only_those_it_no_longer_gives(catalogue):
    skus = [f"SKU-{n:03d}" for n in range(40)]
    catalogue.record(D1, pd.concat([_lines("v", skus, "first"), _lines("w", skus[:3], "first")]), {"v", "w"})
    kept = skus[::3]
    catalogue.record(D1, pd.concat([_lines("v", kept[:5], "first"), _lines("v", kept[5:], "again")]), {"v"})
    assert _state(catalogue, D2) == {**{("v", sku): ("live", f"first-{sku}") for sku in kept[:5]},
                                     **{("v", sku): ("live", f"again-{sku}") for sku in kept[5:]},
                                     **{("w", sku): ("live", f"first-{sku}") for sku in skus[:3]}}


def test_a_line_of_a_vendor_not_read_replaces_its_key_and_keeps_that_vendors_other_lines(catalogue):
    catalogue.record(D1, _lines("w", ["a", "b"], "first"), {"w"})
    catalogue.record(D1, pd.concat([_lines("v", ["a"], "v"), _lines("w", ["a"], "again")]), {"v"})
    assert _state(catalogue, D2) == {("v", "a"): ("live", "v-a"), ("w", "a"): ("live", "again-a"),
                                     ("w", "b"): ("live", "first-b")}


def test_listings_are_stored_as_the_text_given(catalogue):
    listing = '{"title_listing": "薰衣草香皂 100克", "brand": "Savonnerie du Vieux Lavoir — été"}'
    catalogue.record(D1, _lines("v", ["a"], "d1").assign(listing=listing), {"v"})
    [(_, _, _, lines)] = _parts(catalogue)
    assert lines.to_pydict() == {"sku": ["a"], "status": ["live"], "listing_hash": ["d1-a"], "listing": [listing]}


def test_lines_are_split_into_parts_of_at_most_a_batch_in_sku_order(catalogue, monkeypatch):
    monkeypatch.setattr(catalogue_module, "BATCH", 4)
    skus = [f"S{n}" for n in range(10)][::-1] + ["é", "Z", "a"]
    catalogue.record(D1, pd.concat([_lines("v", skus, "d1"), _lines("w", ["x"], "d1")]), {"v", "w"})
    parts = _parts(catalogue)
    assert [(vendor, part, len(lines)) for vendor, _, part, lines in parts] == [
        ("v", 0, 4), ("v", 1, 4), ("v", 2, 4), ("v", 3, 1), ("w", 0, 1)]
    stored = [sku for vendor, _, _, lines in parts if vendor == "v" for sku in lines["sku"].to_pylist()]
    assert stored == sorted(skus)
    assert parts[0][3].schema.names == ["sku", "status", "listing_hash", "listing"]


def test_a_rerun_with_fewer_parts_deletes_the_parts_left_over(catalogue, monkeypatch):
    monkeypatch.setattr(catalogue_module, "BATCH", 3)
    catalogue.record(D1, _lines("v", [f"S{n}" for n in range(8)], "first"), {"v"})
    assert [part for _, _, part, _ in _parts(catalogue)] == [0, 1, 2]
    catalogue.record(D1, _lines("v", ["S1", "S7"], "again"), {"v"})
    assert [(part, lines["sku"].to_pylist()) for _, _, part, lines in _parts(catalogue)] == [(0, ["S1", "S7"])]
    assert _state(catalogue, D2) == {("v", "S1"): ("live", "again-S1"), ("v", "S7"): ("live", "again-S7")}


def test_lines_in_key_order_table_after_table_are_stored_as_the_whole_would_be(catalogue, monkeypatch):
    monkeypatch.setattr(catalogue_module, "BATCH", 4)
    skus = [f"S{n:02d}" for n in range(11)]
    tables = [pa.Table.from_pandas(_lines("v", part, "d1")[::-1], preserve_index=False)    # unsorted within
              for part in (skus[:3], [], skus[3:9], skus[9:])]
    catalogue.record(D1, _lines("v", [f"T{n}" for n in range(14)], "old"), {"v"})          # 4 parts to replace
    assert catalogue.record_when(D1, [(InKeyOrder("v", iter(tables)), {"v"})], lambda: True)
    in_order = _parts(catalogue)
    catalogue.record(D1, _lines("v", skus, "d1"), {"v"})
    assert [(part, lines.to_pydict()) for _, _, part, lines in in_order] == [
        (part, lines.to_pydict()) for _, _, part, lines in _parts(catalogue)]
    assert [len(lines) for *_, lines in in_order] == [4, 4, 3]
    catalogue.record_when(D1, [(InKeyOrder("v", []), {"v"})], lambda: True)
    assert _parts(catalogue) == [] and _state(catalogue, D2) == {}


def test_a_vendor_recorded_without_lines_hides_its_earlier_lines_of_that_date_only(catalogue):
    catalogue.record(D1, _lines("v", ["a", "b"], "d1"), {"v"})
    catalogue.record(D2, _lines("v", ["a", "c"], "d2"), {"v"})
    catalogue.record(D2, _lines("v", [], "none"), {"v"})
    assert _state(catalogue, D3) == {("v", "a"): ("live", "d1-a"), ("v", "b"): ("live", "d1-b")}
    assert [day for _, day, _, _ in _parts(catalogue)] == [D1]
    assert catalogue.listings_of(D3, pd.DataFrame({"vendor_id": ["v"], "sku": ["c"]})).empty


def test_a_rolled_back_recording_leaves_the_stored_lines(catalogue):
    catalogue.record(D1, _lines("v", ["a"], "first"), {"v"})
    assert not catalogue.record_when(D1, [(_lines("v", ["b"], "again"), {"v"})], lambda: False)
    assert _state(catalogue, D2) == {("v", "a"): ("live", "first-a")}
    assert catalogue.record_when(D1, [(_lines("v", ["b"], "again"), {"v"})], lambda: True)
    assert _state(catalogue, D2) == {("v", "b"): ("live", "again-b")}


def test_before_reads_the_newest_line_of_each_product_over_dates_and_parts(catalogue, monkeypatch):
    monkeypatch.setattr(catalogue_module, "BATCH", 2)
    catalogue.record(D1, pd.concat([_lines("w", ["a", "b", "c"], "d1"), _lines("v", ["b", "a"], "d1")]), {"v", "w"})
    catalogue.record(D2, _lines("w", ["c", "b"], "d2", "withdrawn"), {"w"})
    before = catalogue.before(D3)
    assert before.values.tolist() == [["v", "a", "live", "d1-a"], ["v", "b", "live", "d1-b"],
                                      ["w", "a", "live", "d1-a"], ["w", "b", "withdrawn", "d2-b"],
                                      ["w", "c", "withdrawn", "d2-c"]]
    assert all(str(dtype) == "str" for dtype in before.dtypes)
    monkeypatch.setattr(catalogue_module, "CHUNK", 1)
    keys = pd.DataFrame({"vendor_id": ["w", "v", "w", "x"], "sku": ["b", "a", "a", "a"]})
    assert catalogue.listings_of(D3, keys).values.tolist() == [
        ["w", "b", '{"sku": "b", "tag": "d2"}'], ["v", "a", '{"sku": "a", "tag": "d1"}'],
        ["w", "a", '{"sku": "a", "tag": "d1"}']]


OLD_TABLE = sa.Table(       # the table of a store made before catalogue parts
    "published_listings", sa.MetaData(),
    sa.Column("vendor_id", sa.String(200), primary_key=True),
    sa.Column("sku", sa.String(200), primary_key=True),
    sa.Column("run_date", sa.Date, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("listing_hash", sa.String(64), nullable=False),
    sa.Column("listing", sa.Text, nullable=False),
)


def _old_rows(vendor: str, skus: list[str], day: dt.date, tag: str) -> list[dict]:
    """Rows of the old table: the listing as JSON, decimals and dates tagged."""
    listing = '{{"fx_date": {{"$date": "2026-10-30"}}, "price_cny": {{"$decimal": "12.50"}}, "sku": "{}", "tag": "{}"}}'
    return [{"run_date": day, **row, "listing": listing.format(row["sku"], tag)}
            for row in _lines(vendor, skus, tag).to_dict("records")]


def test_lines_of_a_store_made_before_parts_are_moved_into_parts(catalogue, monkeypatch):
    monkeypatch.setattr(catalogue_module, "BATCH", 2)
    engine = catalogue.engine
    OLD_TABLE.create(engine)
    with engine.begin() as conn:
        conn.execute(OLD_TABLE.insert(), [*_old_rows("w", ["c", "a", "b"], D1, "d1"), *_old_rows("v", ["a"], D1, "d1"),
                                          *_old_rows("w", ["a"], D2, "d2"), *_old_rows("v", ["b"], D2, "d2")])
    moved = Catalogue(engine)
    assert not sa.inspect(engine).has_table("published_listings")
    assert [(vendor, day, part, lines["sku"].to_pylist()) for vendor, day, part, lines in _parts(moved)] == [
        ("v", D1, 0, ["a"]), ("v", D2, 0, ["b"]), ("w", D1, 0, ["a", "b"]), ("w", D1, 1, ["c"]),
        ("w", D2, 0, ["a"])]
    assert _state(moved, D2) == {("v", "a"): ("live", "d1-a"), ("w", "a"): ("live", "d1-a"),
                                 ("w", "b"): ("live", "d1-b"), ("w", "c"): ("live", "d1-c")}
    assert _state(moved, D3) == {**_state(moved, D2), ("v", "b"): ("live", "d2-b"), ("w", "a"): ("live", "d2-a")}
    listing = moved.listings_of(D3, pd.DataFrame({"vendor_id": ["w"], "sku": ["c"]})).iloc[0]
    assert (listing["tag"], listing["price_cny"], listing["fx_date"]) == ("d1", Decimal("12.50"), dt.date(2026, 10, 30))


def test_moving_old_lines_into_a_store_that_has_parts_too_loses_no_line(catalogue):
    catalogue.record(D1, _lines("v", ["a", "b"], "parts"), {"v"})
    catalogue.record(D2, _lines("v", ["a"], "parts"), {"v"})
    engine = catalogue.engine
    OLD_TABLE.create(engine)
    with engine.begin() as conn:
        conn.execute(OLD_TABLE.insert(), [*_old_rows("v", ["b", "c"], D1, "old"), *_old_rows("w", ["a"], D1, "old")])
    moved = Catalogue(engine)
    assert not sa.inspect(engine).has_table("published_listings")
    assert _state(moved, D2) == {("v", "a"): ("live", "parts-a"), ("v", "b"): ("live", "old-b"),
                                 ("v", "c"): ("live", "old-c"), ("w", "a"): ("live", "old-a")}
    assert _state(moved, D3)[("v", "a")] == ("live", "parts-a")


def test_a_listing_comes_back_with_its_columns_types(catalogue):
    typed = _lines("v", ["a", "b"], "d1").drop(columns="listing").assign(
        price_cny=[Decimal("12.50"), Decimal("0.10")], fx_date=[dt.date(2026, 10, 30), None],
        stock=pd.array([3, None], dtype="Int64"), mapped=pd.array([True, False], dtype="boolean"))
    catalogue.record(D1, typed, {"v"})
    found = catalogue.listings_of(D2, pd.DataFrame({"vendor_id": ["v", "v"], "sku": ["a", "b"]}))
    assert found["price_cny"].tolist() == [Decimal("12.50"), Decimal("0.10")]
    assert found["fx_date"].tolist() == [dt.date(2026, 10, 30), None]
    assert found["stock"].tolist() == [3, pd.NA] and str(found["stock"].dtype) == "Int64"
    assert found["mapped"].tolist() == [True, False]


def test_lines_recorded_without_a_later_column_have_it_missing(catalogue):
    catalogue.record(D1, _lines("v", ["a"], "d1"), {"v"})
    catalogue.record(D2, _lines("v", ["b"], "d2").assign(tag="new"), {"v"})
    found = catalogue.listings_of(D3, pd.DataFrame({"vendor_id": ["v", "v"], "sku": ["a", "b"]}))
    assert found["listing"].tolist() == ['{"sku": "a", "tag": "d1"}', '{"sku": "b", "tag": "d2"}']
    assert found["tag"].isna().tolist() == [True, False] and found["tag"].iloc[1] == "new"
