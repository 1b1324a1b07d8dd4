"""pipeline.extract.sheet_stream: a large CSV read as a stream gives read_sheet's frame, chunk by chunk of whole
SKUs, or says it cannot and leaves the sheet to read_sheet."""
import codecs
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline import config
from pipeline.extract import sheet_stream
from pipeline.extract.intake import IntakeFile
from pipeline.extract.profiles import VendorProfile
from pipeline.extract.readers import read_sheet
from pipeline.extract.row_checks import TextLimits
from pipeline.extract.sheet_stream import NotStreamable, spool_sheet
from pipeline.transform.reading_tables import header_recogniser

SETTINGS = config.settings()

HEADER = "SKU;Désignation;Description;Prix TTC"


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch) -> None:
    """Blocks of a few kilobytes, so that a test sheet spans many of them and a cell may straddle two."""
    monkeypatch.setattr(sheet_stream, "READ_BYTES", 4096)
    monkeypatch.setattr(sheet_stream, "ARROW_BLOCK_BYTES", 4096)


def soap_lines(rows: int) -> list[str]:
    """Data lines of a soap maker's sheet, SKUs out of order and repeated, some cells quoted over several lines
    or holding the delimiter; enough of them for the text to exceed the 64 KiB the delimiter is sniffed from."""
    lines = []
    for n in range(rows):
        sku = f"SVL-{(n * 7919) % (rows // 2):05d}"            # every SKU twice
        description = f'"Savon n°{n} ; « lavande »\nsurgras, 100 g ""extra"""' if n % 5 == 0 else f"Savon {n}"
        lines.append(f"{' ' + sku if n % 9 == 0 else sku};Savon de Marseille {n % 40};{description};{n % 17},50 €")
    return lines


def write_sheet(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "sheet.csv") -> IntakeFile:
    path = tmp_path / "intake" / "savonnerie" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return IntakeFile("savonnerie", f"savonnerie/{name}", str(path), path.stat().st_size)


def streamed(file: IntakeFile, tmp_path: Path, chunk_rows: int, profile: VendorProfile | None = None
             ) -> tuple[sheet_stream.SpooledSheet, list[pd.DataFrame]]:
    profile = profile or VendorProfile("savonnerie")
    folder = tmp_path / "spool"
    folder.mkdir(exist_ok=True)
    sheet = spool_sheet(file, profile, header_recogniser(SETTINGS.reading), folder)

    def key_of(frame: pd.DataFrame) -> pa.Array:
        return pa.array(frame["SKU"].str.strip().tolist(), pa.string())

    plan = sheet.chunk_plan(["SKU"], key_of, chunk_rows)
    return sheet, list(sheet.chunks(plan))


def whole(file: IntakeFile) -> pd.DataFrame:
    data = Path(file.url).read_bytes()
    return read_sheet(data, file.path, VendorProfile("savonnerie"),
                      header_recogniser(SETTINGS.reading)).frame


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_chunks_hold_the_whole_readers_rows_a_sku_in_one_chunk(tmp_path, encoding):
    text = "\r\n".join(["Savonnerie du Vieux Lavoir;;;", "", HEADER, *soap_lines(1500), ";;;", ""])
    file = write_sheet(tmp_path, text, encoding)
    sheet, chunks = streamed(file, tmp_path, chunk_rows=200)
    assert (sheet.header_row, sheet.delimiter, sheet.encoding) == (3, ";", encoding)
    assert sheet.sha256 == hashlib.sha256(Path(file.url).read_bytes()).hexdigest()
    assert 5 <= len(chunks) <= 10
    keys = [chunk["SKU"].str.strip() for chunk in chunks]
    assert all(key.is_monotonic_increasing for key in keys)
    assert all(a.iloc[-1] < b.iloc[0] for a, b in zip(keys, keys[1:], strict=False))   # a SKU in one chunk only
    rows = pd.concat(chunks).sort_values("source_row").reset_index(drop=True)
    pd.testing.assert_frame_equal(rows, whole(file))


def test_latin1_when_a_byte_is_undefined_in_cp1252(tmp_path):
    text = "\n".join([HEADER, *soap_lines(1500)]).replace(" €", " EUR").replace("Marseille 3", "Marseille\x81 3")
    file = write_sheet(tmp_path, text, "latin-1")
    sheet, chunks = streamed(file, tmp_path, chunk_rows=500)
    assert sheet.encoding == "latin-1"
    pd.testing.assert_frame_equal(pd.concat(chunks).sort_values("source_row").reset_index(drop=True), whole(file))


def test_the_profiles_encoding_delimiter_and_header_row_are_used(tmp_path):
    lines = ["Tarifs 2026;;;", HEADER, *soap_lines(1500)]
    text = "\n".join(line.replace(";", "|") for line in lines)
    file = write_sheet(tmp_path, text, "cp1252")
    profile = VendorProfile("savonnerie", encoding="cp1252", delimiter="|", header_row=2)
    sheet, chunks = streamed(file, tmp_path, chunk_rows=500, profile=profile)
    assert (sheet.header_row, sheet.delimiter, sheet.names[:2]) == (2, "|", ["SKU", "Désignation"])
    assert sum(map(len, chunks)) == 1500


@pytest.mark.parametrize(("text", "why"), [
    ("\n".join([HEADER, *soap_lines(1500), "SVL-1;Savon;trop;de;cellules"]), "Arrow cannot split it"),
    ("\n".join([HEADER, *soap_lines(1500), 'SVL-1;Savon "rond";x;1']), "quotes that do not enclose"),
    ("\ufeff" * 3 + "\n".join([HEADER, *soap_lines(1500)]), "second byte-order mark"),   # the reader drops two
    ("\n".join(["1;2;3", *["4;5;6"] * 40]), "no header"),     # columns read by their content: the whole reader
    (HEADER + "\n" + ";;;\n" * 30_000, "no product row"),
])
def test_what_arrow_would_read_otherwise_is_left_to_the_whole_reader(tmp_path, text, why):
    with pytest.raises(NotStreamable, match=why):
        streamed(write_sheet(tmp_path, text), tmp_path, chunk_rows=500)


def test_workbooks_and_utf16_in_a_declared_wrong_encoding_are_left_too(tmp_path):
    with pytest.raises(NotStreamable, match="not a text file"):
        streamed(write_sheet(tmp_path, "PK\x03\x04 not really a workbook", name="sheet.xlsx"), tmp_path, 10)
    utf16 = write_sheet(tmp_path, "\n".join([HEADER, *soap_lines(200)]), "utf-16-le", name="utf16.csv")
    with pytest.raises(NotStreamable, match="not utf-8"):
        streamed(utf16, tmp_path, 10, VendorProfile("savonnerie", encoding="utf-8"))


def test_chunk_files_are_removed_once_handed_on(tmp_path):
    file = write_sheet(tmp_path, "\n".join([HEADER, *soap_lines(1000)]))
    sheet, chunks = streamed(file, tmp_path, chunk_rows=100)
    assert len(chunks) >= 5 and sorted(p.name for p in (tmp_path / "spool").iterdir()) == ["sheet.csv"]
    assert np.array_equal(np.sort(pd.concat(chunks)["source_row"].to_numpy()), np.arange(2, 1002))
    assert codecs.lookup(sheet.encoding).name == "utf-8"


def write_bytes(tmp_path: Path, data: bytes, name: str = "sheet.csv") -> IntakeFile:
    path = tmp_path / "intake" / "savonnerie" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return IntakeFile("savonnerie", f"savonnerie/{name}", str(path), path.stat().st_size)


SHEET = "\n".join([HEADER, *soap_lines(1500)]) + "\n"


@pytest.mark.parametrize(("data", "why"), [
    (SHEET.encode() + "SVL-X;Thé vert;x;3,00 €\n".encode("cp1252"), "not utf-8"),        # a line further on
    ("SVL-X;Thé vert;x;3,00 €\n".encode("cp1252").join([HEADER.encode() + b"\n", SHEET.encode()[len(HEADER) + 1:]]),
     "read line by line"),                                                              # UTF-8 after a cp1252 line
    (SHEET.encode() + b"SVL-X;Savon \xff;x;3\n", "not utf-8"),
    (SHEET.encode() + "SVL-X;Savon Ã\u00a0 l'huile;x;3\n".encode(), "mojibake"),
    (SHEET.encode()[:9000] + "Ã©".encode() + SHEET.encode()[9000:], "mojibake"),         # in a later block
    (SHEET.encode() + b"SVL-X;Sa\x00von;x;3\n", "NUL"),
    (SHEET.encode() + f"SVL-X;Savon;{'x' * 2_000};3\n".encode(), "max_cell_chars"),     # limits made small
])
def test_rows_the_whole_reader_rejects_or_warns_about_are_left_to_it(tmp_path, monkeypatch, data, why):
    monkeypatch.setattr(sheet_stream, "text_limits", lambda: TextLimits(1_000, 16_384, 1 << 20))
    with pytest.raises(NotStreamable, match=why):
        streamed(write_bytes(tmp_path, data), tmp_path, chunk_rows=500)


def test_a_sheet_left_to_the_whole_reader_gives_its_rejects(tmp_path, caplog):
    """Through pipeline.ingest: a large sheet with a mojibake row is read whole, and that row rejected."""
    import datetime as dt
    import logging

    from pipeline.config import RunSettings
    from pipeline.ingest import ingest_file

    file = write_bytes(tmp_path, (SHEET + "SVL-X;Savon Ã\u00a0 l'huile;x;3,00 €\n").encode())
    chunks: list[pd.DataFrame] = []
    with caplog.at_level(logging.INFO, logger="eprovence"):
        result = ingest_file(str(tmp_path / "intake"), file, dt.date(2026, 10, 31), RunSettings(180), chunk_rows=500,
                             emit=chunks.append, stream_bytes=0)
    assert "read whole, not streamed" in caplog.text
    rejected = result.rejects[result.rejects["rule"] == "encoding_invalid"]
    assert rejected["source_row"].tolist() == [1502]
    assert result.record["rows"] == result.record["rows_valid"] + result.record["rows_rejected"]
