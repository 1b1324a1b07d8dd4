"""Sniffs a vendor file's bytes: spreadsheet or text, which text encoding, which CSV delimiter."""
from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import PurePosixPath

import charset_normalizer

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

# Where a text that is not UTF-8 through and through looks for UTF-8 in its lines (decode_sheet).
EVIDENCE_BYTES = 64 * 1024              # past the first line that is not UTF-8
# UTF-8 sequences of characters French vendor sheets hold: Latin-1 signs and letters, Latin Extended-A, combining
# accents, general punctuation, currency and letter-like signs, arrows and symbols, CJK punctuation and kana, CJK
# ideographs, full-width forms, emoji. Windows-1252 text makes one only by chance, and then rarely in a line that
# is UTF-8 through and through: « CAFÉ… » is C9 85, U+0245, not among them.
PLAUSIBLE_UTF8 = re.compile(
    rb"\xc2[\xa0-\xbf]|[\xc3-\xc5][\x80-\xbf]|\xcc[\x80-\xbf]|\xcd[\x80-\xaf]"
    rb"|\xe2[\x80-\x81\x84\x86-\x9e][\x80-\xbf]|\xe2\x82[\xa0-\xbf]|\xe3[\x80-\x83][\x80-\xbf]"
    rb"|\xe4[\xb8-\xbf][\x80-\xbf]|[\xe5-\xe9][\x80-\xbf]{2}|\xef[\xbc-\xbf][\x80-\xbf]|\xf0\x9f[\x80-\xbf]{2}")
# A line that is not UTF-8 is taken for a Windows-1252 line when every character it reads as there is a letter or a
# sign of French text: not Ã (the first half of a UTF-8 letter cut short), nor the Icelandic letters and ÿ, which
# are the bytes 0xD0, 0xDD, 0xDE, 0xF0, 0xFD, 0xFE, 0xFF that junk and cut UTF-8 leave.
CP1252_SIGNS = frozenset("€‚„…‘’“”•–—™«»°±·×÷§©®²³¹¼½¾µ¢£¥¤¿¡¦¨¬¯´¸ªº\u00a0\u00ad")


def _french_bytes() -> bytes:
    """The bytes that read in Windows-1252 as ASCII, a letter of French text or one of CP1252_SIGNS."""
    def french(byte: int) -> bool:
        try:
            character = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            return False
        return character.isascii() or (character.isalpha() and character not in "ÃÐðÝýÞþÿ") or character in CP1252_SIGNS
    return bytes(byte for byte in range(256) if french(byte))


CP1252_FRENCH_BYTES = _french_bytes()
# Legacy encodings a French vendor's text may be in when it is clearly not Windows-1252 (charset-normalizer picks
# one): old Mac Excel's Mac Roman, the code page 850 of DOS tills and accounting software.
LEGACY_ENCODINGS = ["mac_roman", "cp850"]
LEGACY_SAMPLE = 1 << 20                 # bytes charset-normalizer and the Windows-1252 test read
# Bytes Windows-1252 reads as signs French text hardly uses (‚ ƒ „ † ‡ ˆ ‰ Š ‹ Ž š › ž Ÿ), and where Mac Roman and
# code page 850 keep their accented small letters (é is 0x8E and 0x82 there). The bytes it leaves undefined are not
# counted: a text holding them has been read as Latin-1 (and still is, when clearly Windows-1252 otherwise).
LEGACY_SUSPECT = bytes([0x82, 0x83, 0x84, *range(0x86, 0x8C), 0x8E, 0x9A, 0x9B, 0x9E, 0x9F])
LATIN_LETTER_BYTES = bytes(range(0xC0, 0x100))

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


@dataclass
class DecodedText:
    """A vendor text decoded (decode_sheet), with what could not be read right in it."""

    text: str
    encoding: str                   # the file's encoding; lines read in another are said in `warnings`
    invalid: dict[int, str] = field(default_factory=dict)   # physical line (from 0) that does not decode → why,
    #                                 « octet 0xE9 en position 12 » (its character at position 12 is U+FFFD)
    warnings: list[str] = field(default_factory=list)       # for the manifest, in English
    exact: bool = True              # whether `text` is the bytes decoded whole in `encoding`, nothing changed


def decode_sheet(data: bytes, encoding: str | None = None) -> DecodedText:
    """Decode a vendor text: the given encoding, else BOM → UTF-16 NUL pattern → UTF-8 → a legacy encoding.

    A text that is UTF-8 through and through costs one decoding. Otherwise a text with UTF-8 in its lines
    (legacy_encoding says None) is read line by line: a line that is UTF-8 as UTF-8, a line without any UTF-8 whose
    bytes all read in Windows-1252 as letters and signs of French text as Windows-1252 (appended by another tool;
    a warning says which lines), and any other line (UTF-8 with a few invalid bytes, or bytes no text would
    hold) is kept with U+FFFD for its invalid bytes and named in `invalid`, for its row to be rejected. A text
    without UTF-8 is decoded whole in the legacy encoding legacy_encoding picks. A given encoding (a vendor's
    profile) is not second-guessed: the lines that do not decode in it are named in `invalid`. UTF-16 decodes whole
    or not at all (UnreadableSheet naming the byte). NUL bytes, which a spreadsheet cell cannot hold, are removed
    with a warning: they come from exports padding or cutting their cells, and the rest of the line is good.

    UTF-8 is told here by decoding, not by charset-normalizer: decoding says exactly which bytes are not UTF-8,
    while charset-normalizer gives one encoding for a whole text, and a text with Windows-1252 lines appended to
    UTF-8 ones has none (it calls it Windows-1252 and the UTF-8 lines become mojibake, the issue this mends).
    """
    declared = encoding or bom_encoding(data) or bomless_utf16(data)
    name = codecs.lookup(declared).name if declared else None
    if name is not None and name.startswith(("utf-16", "utf-32")):
        text, used = decode_text(data, declared)
        return _without_nul(DecodedText(text, used), None)
    if name is None or name.startswith("utf-8"):
        start = len(codecs.BOM_UTF8) if name == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0
        used = declared or "utf-8"
        try:
            decoded = DecodedText(data.decode("utf-8-sig" if start else "utf-8"), used)
        except UnicodeDecodeError as exc:
            legacy = None if declared else legacy_encoding(data, exc.start)
            if legacy is None:
                decoded = _decode_lines(data, start, used, guess=not encoding)
            else:
                decoded = _decode_lines(data, 0, legacy, guess=False)
        decoded.text = decoded.text.removeprefix("\ufeff")
        return _without_nul(decoded, data)
    return _without_nul(_decode_lines(data, 0, declared, guess=False), data)


def legacy_encoding(data: bytes, first_error: int) -> str | None:
    """The encoding of a text that is not UTF-8 through and through (its first invalid byte at `first_error`), or
    None when its lines show UTF-8: a UTF-8 sequence of a character vendor sheets hold (PLAUSIBLE_UTF8) in a line
    that is UTF-8 through and through, before `first_error` or in the EVIDENCE_BYTES after its line.

    Windows-1252 (Latin-1 when the text holds a byte Windows-1252 leaves undefined, as before) is chosen here, not
    by charset-normalizer, whenever it is clearly that: the bytes where Mac Roman and code page 850 keep their
    accented small letters, and which Windows-1252 reads as signs French hardly uses (LEGACY_SUSPECT), are no more
    than the bytes of Latin letters (0xC0–0xFF) in the first LEGACY_SAMPLE bytes. charset-normalizer misnames
    short or repetitive French sheets (a price list of 300 similar lines comes out as Mac Latin-2, a three-line file
    as cp775, a code page 850 one as Windows-1252), while this count does not take a Windows-1252 French text for
    anything else. A text that is clearly not Windows-1252 is left to charset-normalizer, among LEGACY_ENCODINGS;
    when it has no answer, the Windows-1252 rule holds. Reads the first max(LEGACY_SAMPLE, first_error +
    EVIDENCE_BYTES) bytes and whether a byte of CP1252_UNDEFINED is anywhere, so that a stream can ask it of its
    start.
    """
    line = _line_start(data, first_error, 0)
    if PLAUSIBLE_UTF8.search(data, 0, line):
        return None
    end = min(len(data), first_error + EVIDENCE_BYTES)
    if end < len(data):
        end = _line_start(data, end, line)          # whole lines only
    checked = line
    for found in PLAUSIBLE_UTF8.finditer(data, line, end):
        if found.start() >= checked:
            start, checked = _line_start(data, found.start(), line), _line_end(data, found.start())
            if _is_utf8(data[start:checked]):
                return None
    windows = "latin-1" if any(byte in data for byte in CP1252_UNDEFINED) else "cp1252"
    sample = data[:LEGACY_SAMPLE]
    suspects = len(sample) - len(sample.translate(None, LEGACY_SUSPECT))
    letters = len(sample) - len(sample.translate(None, LATIN_LETTER_BYTES))
    if suspects <= letters:
        return windows
    best = charset_normalizer.from_bytes(sample, cp_isolation=LEGACY_ENCODINGS).best()
    return windows if best is None else codecs.lookup(best.encoding).name


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_RECORDED = threading.local()


def _record_invalid(error: UnicodeDecodeError) -> tuple[str, int]:
    """A decoding error handler that notes where each invalid byte is and goes on after it."""
    _RECORDED.positions.append(error.start)
    return "", error.end


codecs.register_error("eprovence-record-invalid", _record_invalid)


def _invalid_positions(data: bytes, start: int, encoding: str) -> list[int]:
    """Where the bytes of `data` from `start` that do not decode in `encoding` are: one decoding, whatever their
    number (a decoding that stops at each costs a copy of the rest of the text)."""
    _RECORDED.positions = positions = []
    try:
        codecs.decode(memoryview(data)[start:], encoding, "eprovence-record-invalid")
    finally:
        del _RECORDED.positions
    return [start + position for position in positions]


def _decode_lines(data: bytes, start: int, encoding: str, guess: bool) -> DecodedText:
    """`data` from `start` decoded in `encoding` whole where it can be, line by line where it cannot (a line as
    csv.reader reads it: ended by LF, CR LF or CR; no encoding this reads holds those bytes inside a character).
    A line that does not decode is read as Windows-1252 when `guess` and it reads there as French text (see
    decode_sheet), else kept with U+FFFD and named in `invalid`."""
    codec = "utf-8" if codecs.lookup(encoding).name == "utf-8-sig" else encoding    # the BOM is before `start`
    positions = _invalid_positions(data, start, codec)
    pieces: list[str] = []
    invalid: dict[int, str] = {}
    legacy: list[int] = []
    line = 0
    position = start
    index = 0
    while index < len(positions):
        bad = positions[index]
        first, end = _line_start(data, bad, position), _line_end(data, bad)
        good = data[position:first].decode(codec)
        pieces.append(good)
        line += good.count("\n") + good.count("\r") - good.count("\r\n")
        raw = data[first:end]
        as_windows = _as_windows_1252(raw) if guess else None
        if as_windows is not None:
            pieces.append(as_windows)
            legacy.append(line)
        else:
            pieces.append(raw.decode(codec, "replace"))
            invalid[line] = _invalid_byte(raw, codec)
        position = end
        while index < len(positions) and positions[index] < end:
            index += 1
    pieces.append(data[position:].decode(codec))
    warnings = []
    if legacy:
        shown = ", ".join(str(n + 1) for n in legacy[:10]) + (f" … ({len(legacy)})" if len(legacy) > 10 else "")
        warnings.append(f"encoding: {len(legacy)} line(s) in Windows-1252 among {encoding} lines, each read in its "
                        f"own encoding (line {shown})")
    if invalid:
        warnings.append(f"encoding: {len(invalid)} line(s) with bytes that are not {encoding}, their rows rejected "
                        "(encoding_invalid)")
    return DecodedText("".join(pieces), encoding, invalid, warnings, exact=not positions)


def _line_start(data: bytes, at: int, floor: int) -> int:
    return max(data.rfind(b"\n", floor, at), data.rfind(b"\r", floor, at), floor - 1) + 1


def _line_end(data: bytes, at: int) -> int:
    ends = [end for end in (data.find(b"\n", at), data.find(b"\r", at)) if end >= 0]
    return min(ends, default=len(data))


def _as_windows_1252(raw: bytes) -> str | None:
    """The line read as Windows-1252, when it holds no UTF-8 (PLAUSIBLE_UTF8) and reads there as French text: its
    bytes all CP1252_FRENCH_BYTES."""
    if raw.translate(None, CP1252_FRENCH_BYTES) or PLAUSIBLE_UTF8.search(raw):
        return None
    return raw.decode("cp1252")


def _invalid_byte(raw: bytes, encoding: str) -> str:
    """« octet 0xE9 en position 12 »: the line's first byte that does not decode, and its character's position."""
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        column = len(raw[:exc.start].decode(encoding, "replace")) + 1
        return f"octet 0x{raw[exc.start]:02X} en position {column}"
    return "octet illisible"


def _without_nul(decoded: DecodedText, data: bytes | None) -> DecodedText:
    """`decoded` with its NUL characters removed, and a warning naming their lines. `data`, the bytes of a text in
    an encoding where NUL is the byte 0 (not UTF-16), is searched first: far faster than the text."""
    if data is not None and b"\x00" not in data:
        return decoded
    text = decoded.text
    if "\x00" not in text:
        return decoded
    count = text.count("\x00")
    at = text.index("\x00")
    line = text.count("\n", 0, at) + text.count("\r", 0, at) - text.count("\r\n", 0, at) + 1
    decoded.text = text.replace("\x00", "")
    decoded.exact = False
    decoded.warnings.append(f"encoding: {count} NUL byte(s) removed, the first on line {line}")
    return decoded


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
