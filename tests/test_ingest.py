"""pipeline.ingest: one vendor file read, parsed and validated whole, or in SKU-ordered chunks handed on as they
are done."""
import datetime as dt
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import RunSettings
from pipeline.extract.intake import IntakeFile
from pipeline.ingest import _sku_chunks, ingest_file

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "intake"
SOAPS = "savonnerie-du-vieux-lavoir"
DAY = dt.date(2026, 10, 31)


@pytest.fixture
def soaps_with_a_repeated_sku(tmp_path) -> tuple[str, IntakeFile]:
    """The sample soap sheet with its first product listed again at the end (under a padded SKU)."""
    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES / SOAPS, intake / SOAPS)
    sheet = intake / SOAPS / "cp1252-semicolon-ttc.csv"
    lines = sheet.read_bytes().split(b"\r\n")
    repeated = lines[1].replace(b"SVL-MAR72-100;", b" SVL-MAR72-100 ;", 1)
    sheet.write_bytes(b"\r\n".join([*[line for line in lines if line], repeated, b""]))
    path = f"{SOAPS}/{sheet.name}"
    return str(intake), IntakeFile(SOAPS, path, str(sheet), sheet.stat().st_size)


def _keyed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def test_chunks_hold_the_same_valid_rows_and_rejects_as_the_whole_file(soaps_with_a_repeated_sku):
    intake, file = soaps_with_a_repeated_sku
    whole = ingest_file(intake, file, DAY, RunSettings(180))
    chunks: list[pd.DataFrame] = []
    chunked = ingest_file(intake, file, DAY, RunSettings(180), chunk_rows=2, emit=chunks.append)
    assert len(chunks) > 2 and chunked.valid.empty and chunked.rows_valid == len(whole.valid)
    assert chunked.record == whole.record
    emitted = pd.concat(chunks, ignore_index=True)
    assert emitted["sku"].tolist() == sorted(emitted["sku"])                   # in SKU order, chunk after chunk
    pd.testing.assert_frame_equal(_keyed(emitted, ["source_row"]), _keyed(whole.valid, ["source_row"]))
    rejects = ["source_row", "field", "rule"]
    pd.testing.assert_frame_equal(_keyed(chunked.rejects, rejects), _keyed(whole.rejects, rejects))
    duplicates = chunked.rejects[(chunked.rejects["rule"] == "duplicate") & (chunked.rejects["sku"] == "SVL-MAR72-100")]
    assert set(duplicates["source_row"]) == {2, chunked.record["rows"] + 1}   # the first row and the repeat


def test_a_streamed_sheet_gives_what_the_whole_file_gives(soaps_with_a_repeated_sku, caplog):
    intake, file = soaps_with_a_repeated_sku
    results = {}
    for label, stream_bytes in (("whole", 1 << 40), ("streamed", 0)):
        chunks: list[pd.DataFrame] = []
        with caplog.at_level(logging.INFO, logger="eprovence"):
            caplog.clear()
            result = ingest_file(intake, file, DAY, RunSettings(180), chunk_rows=2, emit=chunks.append,
                                 stream_bytes=stream_bytes)
            assert ("not streamed" in caplog.text) is False
        results[label] = result, chunks
    (whole, whole_chunks), (streamed, streamed_chunks) = results["whole"], results["streamed"]
    assert streamed.record == whole.record and streamed.record["sha256"]
    assert [len(c) for c in streamed_chunks] == [len(c) for c in whole_chunks]
    pd.testing.assert_frame_equal(pd.concat(streamed_chunks, ignore_index=True),
                                  pd.concat(whole_chunks, ignore_index=True))
    rejects = ["source_row", "field", "rule"]
    pd.testing.assert_frame_equal(_keyed(streamed.rejects, rejects), _keyed(whole.rejects, rejects))


def test_a_sheet_that_cannot_be_streamed_is_read_whole(soaps_with_a_repeated_sku, caplog):
    intake, file = soaps_with_a_repeated_sku
    Path(file.url).write_bytes(Path(file.url).read_bytes() + b"SVL-X;une;ligne;de;trop;de;cellules\r\n" * 3)
    chunks: list[pd.DataFrame] = []
    with caplog.at_level(logging.INFO, logger="eprovence"):
        result = ingest_file(intake, file, DAY, RunSettings(180), chunk_rows=2, emit=chunks.append, stream_bytes=0)
    assert "read whole, not streamed" in caplog.text
    assert (result.rejects["rule"] == "ragged_row").sum() == 3 and result.rows_valid == sum(map(len, chunks)) > 0


def test_a_skus_rows_stay_in_one_chunk_however_it_is_padded():
    text = pd.DataFrame({"sku": ["b", " a", "c", "a", None, "b", "d"], "source_row": range(2, 9)})
    chunks = [chunk["source_row"].tolist() for chunk in _sku_chunks(text, 1)]
    assert chunks == [[3, 5], [2, 7], [4], [8], [6]]
    assert [chunk["source_row"].tolist() for chunk in _sku_chunks(text, 5)] == [[3, 5, 2, 7, 4, 8, 6]]  # one, sorted
    assert [chunk["source_row"].tolist() for chunk in _sku_chunks(text.drop(columns="sku"), 1)] == [list(range(2, 9))]
    assert [len(chunk) for chunk in _sku_chunks(text, 3)] == [4, 3]


def test_a_streamed_sheet_sets_aside_the_rows_the_whole_file_sets_aside(tmp_path, caplog):
    lines = ["Tarifs 2026 — Savonnerie;;;", ";;;", "Référence;Désignation;Prix TTC;Contenance", "SAVONS;;;"]
    lines += [f"SAV-{i:03d};Savon n° {i};{4 + i % 7},50 €;100 g" for i in range(40)]
    lines += [";;;", "HUILES;;;", *(f"HUI-{i:03d};Huile n° {i};12,00 €;50 cl" for i in range(20)), ";;;",
              ";Total;;999,00", "* Franco de port à partir de 300 € HT;;;"]
    sheet = tmp_path / "intake" / "savonnerie" / "tarifs.csv"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    file = IntakeFile("savonnerie", "savonnerie/tarifs.csv", str(sheet), sheet.stat().st_size)
    results = {}
    for label, stream_bytes in (("whole", 1 << 40), ("streamed", 0)):
        chunks: list[pd.DataFrame] = []
        with caplog.at_level(logging.INFO, logger="eprovence"):
            caplog.clear()
            results[label] = ingest_file(str(tmp_path / "intake"), file, DAY, RunSettings(180), chunk_rows=7,
                                         emit=chunks.append, stream_bytes=stream_bytes), chunks
            assert "not streamed" not in caplog.text
    (whole, whole_chunks), (streamed, streamed_chunks) = results["whole"], results["streamed"]
    assert streamed.record == whole.record
    assert whole.record["rows"] == 60 and whole.record["rows_skipped"] == 8
    assert whole.record["rows_skipped_by_reason"] == {"above_header": 1, "after_table": 2, "blank": 3, "section": 2}
    pd.testing.assert_frame_equal(_keyed(pd.concat(streamed_chunks), ["source_row"]),
                                  _keyed(pd.concat(whole_chunks), ["source_row"]))
