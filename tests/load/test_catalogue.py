"""The published catalogue on SQLite and, when the local PostgreSQL is there, on PostgreSQL."""
import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline.load import catalogue as catalogue_module
from pipeline.load.catalogue import Catalogue, published_listings
from pipeline.load.state import StateStore

D1, D2, D3 = (dt.date(2026, 11, day) for day in (1, 2, 3))
AWKWARD = 'Savon "doux"\t\\ 100 g\r\nligne 2 \\N'


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalogue(request, tmp_path):
    state = str(tmp_path / "state.db") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = StateStore.open(state).engine
    store = Catalogue(engine)
    with engine.begin() as conn:
        conn.execute(published_listings.delete())
    yield store
    engine.dispose()


def _lines(vendor: str, skus: list[str], tag: str, status: str = "live") -> pd.DataFrame:
    return pd.DataFrame({"vendor_id": vendor, "sku": skus, "status": status,
                         "listing_hash": [f"{tag}-{sku}" for sku in skus],
                         "listing": [f'{{"sku": "{sku}", "tag": "{tag}"}}' for sku in skus]})


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
    monkeypatch.setattr(catalogue_module, "COPY_BYTES", 100)
    skus = [f"SKU-{n:04d}" for n in range(500)][::-1]
    catalogue.record(D1, _lines("v", skus, "d1").assign(listing=AWKWARD), {"v"})
    state = _state(catalogue, D2)
    assert len(state) == 500 and state[("v", "SKU-0042")] == ("live", "d1-SKU-0042")
    assert set(catalogue.listings_of(D2, catalogue.before(D2))["listing"]) == {AWKWARD}


def test_lines_are_stored_with_their_run_date(catalogue):
    catalogue.record(D2, _lines("v", ["a"], "d2"), {"v"})
    with catalogue.engine.connect() as conn:
        assert conn.execute(sa.select(published_listings.c.run_date)).scalars().all() == [D2]


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
    with catalogue.engine.connect() as conn:
        stored = conn.execute(sa.select(published_listings.c.listing)).scalar_one()
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("SELECT typeof(listing) FROM published_listings").scalar_one() == "text"
    assert stored == listing
