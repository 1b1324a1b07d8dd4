import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline.load import work_area
from pipeline.load.catalogue import Catalogue
from pipeline.load.outputs import _skus_in_order, _warnings, merge_pending
from pipeline.load.publish import FeedFolder
from pipeline.load.state import StateStore
from pipeline.run import run


def _listings(over: int, total: int = 30) -> pd.DataFrame:
    return pd.DataFrame({"vendor_id": "v", "sku": [f"S{i:02d}" for i in range(total)],
                         "price_cny": ["6000.00"] * total, "cbec_over_limit": [i < over for i in range(total)],
                         "category_mapped": [i != 0 for i in range(total)], "title_truncated": False,
                         "source_file": "v/tarifs.csv"})


def test_over_limit_listings_are_named_then_counted():
    warnings = _warnings(_listings(over=25), named=20)
    assert sum(w.startswith("cbec_over_limit: v/S") for w in warnings) == 20
    assert "cbec_over_limit: 5 more listings above the single-transaction limit" in " ".join(warnings)
    assert any(w.startswith("category: 1 listings") for w in warnings)


def test_nothing_to_say_says_nothing():
    frame = _listings(over=0).assign(category_mapped=True)
    assert _warnings(frame) == []


def test_pending_lines_of_several_vendors_merge_per_segment():
    line = {"source_lang": "fr", "target_lang": "zh-CN", "source": "Savon doux", "target": ""}
    merged = merge_pending([pd.DataFrame([{**line, "field": "title", "skus": "a/1 a/2"}]),
                            pd.DataFrame([{**line, "field": "description title", "skus": "b/9"}]),
                            pd.DataFrame([{**line, "source": "Miel", "field": "title", "skus": "b/3"}])])
    assert merged.to_dict("records") == [
        {**line, "source": "Miel", "field": "title", "skus": "b/3"},
        {**line, "field": "description title", "skus": "a/1 a/2 b/9"}]


def test_catalogue_lines_are_committed_with_the_feed_and_not_without_it(tmp_path, monkeypatch):
    intake = Path(__file__).resolve().parents[2] / "data" / "samples" / "intake"
    out, state, day = str(tmp_path / "out"), str(tmp_path / "state.db"), dt.date(2026, 10, 31)
    catalogue = Catalogue(StateStore.open(state).engine)
    with monkeypatch.context() as patched:
        patched.setattr(FeedFolder, "commit", lambda self, manifest: (_ for _ in ()).throw(OSError("disk full")))
        with pytest.raises(OSError, match="disk full"):
            run(str(intake), out, state, day)
    assert catalogue.before(day + dt.timedelta(days=1)).empty
    summary = run(str(intake), out, state, day)
    lines = catalogue.before(day + dt.timedelta(days=1))
    assert len(lines) == summary.manifest["rows_published"] > 0 and set(lines["status"]) == {"live"}


def test_a_vendors_catalogue_chunks_are_streamed_only_when_their_skus_follow_each_other(tmp_path):
    def chunk(name: str, skus: list[str]) -> str:
        return work_area.write_frame(str(tmp_path / name / "catalogue.arrow"), pd.DataFrame({"sku": skus}))

    ordered = [chunk("a", ["S2", "S1"]), chunk("empty", []), chunk("b", ["S3", "S9"])]
    assert _skus_in_order(ordered, {})
    assert not _skus_in_order([*ordered, chunk("withdrawn", ["S0"])], {})
    assert not _skus_in_order([chunk("c", ["S1"]), chunk("d", ["S1", "S4"])], {})   # a SKU in two chunks
