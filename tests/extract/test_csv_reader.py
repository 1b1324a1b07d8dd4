"""Splitting CSV/TSV bytes into records (pipeline/extract/csv_reader.py)."""
from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from pipeline.extract.csv_reader import ColumnRecords, read_csv_records, regular_columns, split_records
from pipeline.extract.sniff import UnreadableSheet


@pytest.fixture
def sheets(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sheets"


def test_cp1252_semicolon_crlf(sheets: Path) -> None:
    parsed = read_csv_records((sheets / "cp1252-semicolon-ttc.csv").read_bytes())
    assert (parsed.encoding, parsed.delimiter) == ("cp1252", ";")
    assert parsed.records[0] == ("Référence", "Désignation", "Prix TTC", "Code EAN", "Contenance", "Stock")
    assert parsed.records[2][1:4] == ("Huile d'olive vierge extra « AOP Provence »", "12,50 €",
                                      "0000080446392")
    assert not any("\r" in cell for record in parsed.records for cell in record)


def test_quoted_cells_keep_newlines_doubled_quotes_and_curly_quotes(sheets: Path) -> None:
    records = read_csv_records((sheets / "quoted-newlines.csv").read_bytes()).records
    assert records[1] == ("Q1", 'Savon "Lavande"', "Ligne 1\nLigne 2", "4.90")
    assert records[2] == ("Q2", "“Savon” courbe", "a, b; c", "5.00")
    assert records[3] == ("Q3", "Deux\n\nparagraphes", "x", "1")
    assert len(records) == 5


def test_quoted_crlf_inside_a_cell_is_kept_as_written() -> None:
    assert split_records('a;b\r\n1;"x\r\ny"\r\n', ";") == [("a", "b"), ("1", "x\r\ny")]


def test_blank_lines_stay_records_so_row_numbers_hold() -> None:
    assert split_records("a;b\n\n1;2\n", ";") == [("a", "b"), (), ("1", "2")]
    assert split_records('a;b\n\n"1";2\n', ";") == [("a", "b"), (), ("1", "2")]


def test_profile_overrides_encoding_and_delimiter() -> None:
    parsed = read_csv_records("a|b;c\n1|2;3\n".encode("cp1252"), "cp1252", ";")
    assert (parsed.encoding, parsed.delimiter, parsed.records[1]) == ("cp1252", ";", ("1|2", "3"))


def test_whitespace_only_file_is_unreadable(sheets: Path) -> None:
    with pytest.raises(UnreadableSheet) as caught:
        read_csv_records((sheets / "whitespace-only.csv").read_bytes())
    assert "que des espaces" in caught.value.reason_fr


def test_quote_never_closed_names_the_row() -> None:
    text = 'sku;title\nA;ok\nB;"' + "x" * (csv.field_size_limit() + 10) + "\n"
    with pytest.raises(UnreadableSheet) as caught:
        split_records(text, ";")
    assert caught.value.reason_fr.startswith("Ligne 3 :")
    assert "jamais refermée" in caught.value.reason_fr


@pytest.mark.parametrize("text", [
    "a;b\r\n1;2\r\n", "a;b\n1;2", "a;b\r1;2\r\r\n\n3;4;5\n", "", "\n", ";\n;;\n", "a\tb\x00c\n", " ; \u2028x;y\x0c\n",
    "sku;title\nA;" + "x" * (csv.field_size_limit() + 1) + "\n",
])
def test_text_without_quotes_splits_as_csv_reader_does(text: str) -> None:
    def by_csv_reader() -> object:
        try:
            return [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=";")]
        except csv.Error:
            return "error"

    def by_split_records() -> object:
        try:
            return split_records(text, ";")
        except UnreadableSheet as exc:
            return "error" if exc.reason_fr.startswith("Ligne 2 :") else exc.reason_fr

    assert by_split_records() == by_csv_reader()


def test_regular_text_without_quotes_is_read_as_columns() -> None:
    parsed = read_csv_records(b"a;b\r\n1; \r\n\r\n3;4\r\n", "utf-8", ";")

    assert isinstance(parsed.records, ColumnRecords)
    assert len(parsed.records) == 4
    assert parsed.records[0] == ("a", "b") and parsed.records[-1] == ("3", "4")
    assert parsed.records[1:3] == [("1", " "), ("", "")]       # a blank line: a record of empty cells


@pytest.mark.parametrize("text", [
    'a;b\n1;x"y\n',                             # a quote not opening a cell: csv.reader keeps it
    'a;b\n"1"x;2\n',                            # text after a closing quote: csv.reader joins it
    'a;b\n"1";"2\n',                            # a quoted cell never closed
    'a;b\n "1";2\n',                            # a space before the opening quote
    "a;b\n1;2;3\n",                             # lines of different widths
    'a;b\n"1;2";3;4\n',
    "a;b\n\n1;2\nx\n",
    "\ufeffa;b\n1;2\n",                         # a second byte-order mark, kept as written
    "a;b\n1;" + "x" * (csv.field_size_limit() + 1) + "\n",
    'a;b\n1;"' + "x" * (csv.field_size_limit() + 1) + '"\n',
])
def test_other_texts_are_left_to_csv_reader(text: str) -> None:
    assert regular_columns(text, ";") is None


def blanks_as_none(records: list[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
    """Records with a blank one (no cell, or empty cells only) as None: the sheet reader skips it either way."""
    return [record if any(record) else None for record in records]


def records_of_csv_reader(text: str, delimiter: str) -> list[tuple[str, ...] | None]:
    return blanks_as_none([tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)])


@pytest.mark.parametrize(("text", "delimiter"), [
    ('a;b\n"1";2\n', ";"),
    ('sku;title\r\nA;"Savon ""Lavande"""\r\n"B";"Ligne 1\r\nLigne 2"\r\n', ";"),
    ('a;b\n"";""""\n"x;y";"\n"\n\n"q""";3', ";"),
    ('a,b\r"1\r2",3\r', ","),
    ('"a"\t"b"\n1\t"é ""€"" \t\n"\n', "\t"),
])
def test_quoted_cells_are_read_as_columns_as_csv_reader_splits_them(text: str, delimiter: str) -> None:
    columns = regular_columns(text, delimiter)

    assert columns is not None
    assert blanks_as_none(list(ColumnRecords(columns))) == records_of_csv_reader(text, delimiter)


def test_random_texts_read_as_columns_split_as_csv_reader_does() -> None:
    rng = random.Random(11)
    pieces = ['"', '"', '""', ";", ";", "\n", "\r\n", "\r", "a", "é", " ", "\x00"]
    read = 0
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        columns = regular_columns(text, ";")
        if columns is not None:
            read += 1
            assert blanks_as_none(list(ColumnRecords(columns))) == records_of_csv_reader(text, ";"), repr(text)
    assert read > 100        # the comparison did happen


def test_utf8_bytes_are_read_without_encoding_the_text_again() -> None:
    data = '\ufeffsku;title\nA;"Savon\nde Marseille"\n'.encode("utf-8-sig")
    parsed = read_csv_records(data)

    assert isinstance(parsed.records, ColumnRecords)
    assert (parsed.encoding, parsed.records[0], parsed.records[1]) == (
        "utf-8-sig", ("sku", "title"), ("A", "Savon\nde Marseille"))
