"""Decodes a vendor text with evidence, per line when it must (decode_sheet): UTF-8 that is not for a few bytes,
Windows-1252 lines among UTF-8 ones, a legacy encoding for the whole, NUL bytes removed; says which lines decode
in no encoding."""
from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass, field

import charset_normalizer

from pipeline.extract.sniff import CP1252_UNDEFINED, bom_encoding, bomless_utf16, decode_text

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

