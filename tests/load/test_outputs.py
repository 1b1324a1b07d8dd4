import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline.load import work_area
from pipeline.load.catalogue import Catalogue
from pipeline.load.catalogue_recording import _skus_in_order
from pipeline.load.publish import FeedFolder
from pipeline.load.state import StateStore
from pipeline.run import run


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
