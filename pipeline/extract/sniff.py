"""Sniffs a vendor file's bytes: spreadsheet or text, which text encoding, which CSV delimiter."""
from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from itertools import islice
from pathlib import PurePosixPath

DELIMITERS = (";", ",", "\t")           # preference order when two are equally plausible
DELIMITER_SAMPLE_CHARS = 64 * 1024
SNIFFER_SAMPLE_CHARS = 16 * 1024        # csv.Sniffer's time grows faster than its sample
DELIMITER_SAMPLE_RECORDS = 50
UTF16_SAMPLE_BYTES = 4096

BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# Bytes that Windows-1252 leaves undefined: a file holding them is read as Latin-1 instead.
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
# Control bytes that text does not hold (the C0 controls but NUL, TAB, LF, VT, FF, CR and the separators
# U+001C–U+001F): past BINARY_SHARE of a file's bytes, a file with NUL bytes is binary. NUL bytes alone do not make
# one: exports pad or cut cells with them, and decode_sheet removes them with a warning (a file of nothing but NUL
# bytes is then empty, and said to be).
CONTROL_BYTES = bytes([*range(0x01, 0x09), 0x0E, 0x0F, *range(0x10, 0x1C), 0x7F])
BINARY_SHARE = 0.01

# Leading bytes of files vendors drop by mistake, with what to call them (French, English).
SIGNATURES = (
    (b"%PDF", "PDF", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image PNG", "PNG image"),
    (b"\xff\xd8\xff", "image JPEG", "JPEG image"),
    (b"GIF8", "image GIF", "GIF image"),
    (b"\x1f\x8b", "archive GZIP", "GZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     "ancien classeur Excel .xls, ou classeur protégé par mot de passe",
     "old Excel .xls workbook, or password-protected workbook"),
)
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")


class UnreadableSheet(Exception):
    """A vendor file that cannot be read as a sheet; each reason is one sentence naming the problem."""

    def __init__(self, reason_fr: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.reason_fr = reason_fr
        self.reason_en = reason_en


def detect_format(data: bytes, name: str) -> str:
    """"xlsx" or "text" from the content alone; raises UnreadableSheet for empty or binary files."""
    if not data:
        raise UnreadableSheet("Fichier vide : il ne contient aucun octet.", "Empty file: it holds no bytes.")
    if data.startswith(ZIP_SIGNATURES):
        kind = _zip_kind(data)
        if kind is None:
            return "xlsx"
        raise _binary(name, *kind)
    for signature, kind_fr, kind_en in SIGNATURES:
        if data.startswith(signature):
            raise _binary(name, kind_fr, kind_en)
    if b"\x00" in data and bom_encoding(data) is None and bomless_utf16(data) is None and _non_text(data):
        raise _binary(name, "contenu non textuel", "non-text content")
    return "text"


def _non_text(data: bytes) -> bool:
    """Whether `data` holds more control bytes than text does (CONTROL_BYTES past BINARY_SHARE): a text with NUL
    bytes is text (decode_sheet removes them), a file made of such bytes is not."""
    return len(data) - len(data.translate(None, CONTROL_BYTES)) > BINARY_SHARE * len(data)


def _zip_kind(data: bytes) -> tuple[str, str] | None:
    """None for an Excel workbook, else what kind of zip file this is (French, English)."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return "archive ZIP endommagée", "damaged ZIP archive"
    if "xl/workbook.xml" in entries:
        return None
    if "xl/workbook.bin" in entries:
        return "classeur Excel binaire XLSB", "Excel binary workbook, XLSB"
    if "content.xml" in entries:
        return "document OpenDocument, par ex. ODS", "OpenDocument file, e.g. ODS"
    if any(entry.startswith("word/") for entry in entries):
        return "document Word", "Word document"
    return "archive ZIP", "ZIP archive"


def _binary(name: str, kind_fr: str, kind_en: str) -> UnreadableSheet:
    suffix = PurePosixPath(name).suffix or PurePosixPath(name).name
    return UnreadableSheet(
        f"Fichier binaire ({kind_fr}) nommé {suffix} : ce n'est pas un tableau lisible ; "
        "déposez un export CSV ou XLSX sans mot de passe.",
        f"Binary file ({kind_en}) named {suffix}: not a readable sheet; "
        "drop a CSV or XLSX export without a password instead.",
    )


def bom_encoding(data: bytes) -> str | None:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    return None


def bomless_utf16(data: bytes) -> str | None:
    """"utf-16-le" / "utf-16-be" when NUL bytes sit on one side of most byte pairs, as in UTF-16 text."""
    sample = data[:UTF16_SAMPLE_BYTES]
    pairs = len(sample) // 2
    if pairs == 0:
        return None
    even_nuls = sample[0:2 * pairs:2].count(0)
    odd_nuls = sample[1:2 * pairs:2].count(0)
    if odd_nuls >= 0.2 * pairs and even_nuls <= 0.02 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.2 * pairs and odd_nuls <= 0.02 * pairs:
        return "utf-16-be"
    return None


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used): the given encoding, else BOM → UTF-16 NUL pattern → UTF-8 → cp1252 / Latin-1."""
    chosen = encoding or bom_encoding(data) or bomless_utf16(data)
    if chosen is None:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            chosen = "latin-1" if any(byte in data for byte in CP1252_UNDEFINED) else "cp1252"
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as exc:
        position = f"octet 0x{data[exc.start]:02X} en position {exc.start}"
        raise UnreadableSheet(
            f"Le fichier ne se lit pas en {chosen} ({position}) : enregistrez-le en UTF-8.",
            f"The file cannot be read as {chosen} (byte 0x{data[exc.start]:02X} at position {exc.start}): "
            "save it as UTF-8.",
        ) from exc
    return text.removeprefix("\ufeff"), chosen



def detect_delimiter(text: str) -> str:
    """; , or TAB: csv.Sniffer's answer, unless another delimiter splits more of the first records, or as many
    as steadily into more cells (a ; list whose prices hold one decimal comma each)."""
    sample = text[:DELIMITER_SAMPLE_CHARS]
    truncated = len(text) > len(sample)
    splits = {d: _split_profile(sample, d, truncated) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(sample[:SNIFFER_SAMPLE_CHARS], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    best = max(DELIMITERS, key=lambda d: splits[d])
    if sniffed in splits and splits[sniffed][0] == splits[best][0] and splits[sniffed][1:] >= splits[best][1:]:
        return sniffed
    return best


def _split_profile(sample: str, delimiter: str, truncated: bool) -> tuple[int, int, int]:
    """How well `delimiter` splits the first non-blank records: (records it splits into 2 cells or more,
    records having the most common cell count, that cell count). Lines a quote swallowed count as the records they
    are, cut at every delimiter: those of the last record read when its quote is left open, and those of a record
    spanning lines that each cut into as many cells as the first record (a quote closed only rows further down)."""
    lines = io.StringIO(sample, newline="").readlines()
    reader = csv.reader(iter(lines), delimiter=delimiter)
    records: list[list[str]] = []
    first = end = added = 0             # the physical lines the last record read spans, the records it gave
    for record in islice(reader, DELIMITER_SAMPLE_RECORDS + 1):
        first, end = end, reader.line_num
        read = _swallowed_lines(record, lines[first:end], delimiter, len(records[0]) if records else 0)
        records.extend(read)
        added = len(read)
    swallowed = lines[first:end]
    if len(swallowed) > 1 and "".join(swallowed).count('"') % 2:
        records[len(records) - added:] = [line.rstrip("\r\n").split(delimiter) for line in swallowed]
    if truncated:
        records = records[:-1]          # the last record may be cut short by the sample's end
    records = records[:DELIMITER_SAMPLE_RECORDS]
    widths = [len(r) for r in records if any(cell.strip() for cell in r)]
    if not widths:
        return 0, 0, 0
    width, count = max(Counter(widths).items(), key=lambda item: (item[1], item[0]))
    return sum(1 for w in widths if w > 1), count, width


def _swallowed_lines(record: list[str], raw: list[str], delimiter: str, header_width: int) -> list[list[str]]:
    """[record], or the lines of a record spanning several when each cuts into the header's width (2 or more):
    rows a quote merged, not one row with a cell of several lines."""
    if len(raw) < 2 or header_width < 2:
        return [record]
    cut = [line.rstrip("\r\n").split(delimiter) for line in raw]
    return cut if all(len(cells) == header_width for cells in cut) else [record]
