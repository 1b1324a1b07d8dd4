"""Reads CSV/TSV bytes into records (lists of cells exactly as written), detecting encoding and delimiter."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pipeline.extract.sniff import UnreadableSheet, decode_text, detect_delimiter


@dataclass
class CsvRecords:
    records: list[list[str]]    # record i is spreadsheet row i + 1; a blank line is an empty record
    encoding: str
    delimiter: str


def read_csv_records(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> CsvRecords:
    """Decode and split into records; `encoding` / `delimiter` override detection when given."""
    text, used_encoding = decode_text(data, encoding)
    if not text.strip():
        raise UnreadableSheet(
            "Le fichier ne contient que des espaces ou des lignes vides : aucune donnée à lire.",
            "The file holds only spaces or blank lines: there is no data to read.",
        )
    used_delimiter = delimiter or detect_delimiter(text)
    return CsvRecords(split_records(text, used_delimiter), used_encoding, used_delimiter)


def split_records(text: str, delimiter: str) -> list[list[str]]:
    """RFC 4180 records: quoted cells may hold delimiters, doubled quotes and line breaks."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)
    except csv.Error as exc:
        row = len(records) + 1
        raise UnreadableSheet(
            f"Ligne {row} : une cellule entre guillemets n'est jamais refermée (ou dépasse "
            f"{csv.field_size_limit()} caractères), le fichier ne peut pas être découpé en lignes.",
            f"Row {row}: a quoted cell is never closed (or is longer than {csv.field_size_limit()} "
            "characters), so the file cannot be split into rows.",
        ) from exc
    return records
