"""Writes an intake of hostile vendor files, each in its own vendor folder beside a good sheet (nothing of it is
committed: the zip bomb and its kin are made at test time, in a few seconds).

`write_hostile_intake(root)` writes the intake at `root`, and beside it, in `<root>-outside/`, what its links
point to (the marker file, a vendor folder). Each case is a function below, registered with `@case`, whose docstring
says what it holds; it writes its hostile file into its vendor's folder and returns the file's name. Beside it,
`good.csv` (`;`, UTF-8, two products whose titles `write_translations` translates) must always publish: a hostile
file costs itself alone, never the night.

`python tests/hostile/make_hostile.py DIR` writes the corpus into DIR/intake and prints one line per case.
"""
from __future__ import annotations

import csv
import io
import os
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

GOOD_FILE = "good.csv"
GOOD_HEADER = ["Référence", "Désignation", "Prix HT", "Contenance"]
GOOD_PRODUCTS = [("Savon de Marseille", "4,50"), ("Savon à la lavande", "9,00")]     # (title, price), 100 g each
TRANSLATIONS = {"Savon de Marseille": "马赛皂", "Savon à la lavande": "薰衣草皂"}
MARKER_SKU = "MARKER-1"
MARKER_TEXT = f"sku,title,price\n{MARKER_SKU},Marqueur secret,1.00\n"
MARKER_FILE = "marker.csv"
MIB = 1 << 20

Written = str | dict    # a case's hostile file name, or {"file": …, plus keys of its expectation}
CASES: dict[str, tuple[str, Callable[[Path, Path], Written]]] = {}


def case(name: str, vendor: str | None = None):
    """Registers a case writer: `write(folder, outside)` fills the vendor folder (named `vendor`, default the case)."""
    def register(write: Callable[[Path, Path], Written]) -> Callable[[Path, Path], Written]:
        CASES[name] = (vendor or name, write)
        return write
    return register


def outside_of(root: Path) -> Path:
    """The folder beside the intake that its links point into: never to be read."""
    return root.with_name(f"{root.name}-outside")


def write_hostile_intake(root: Path) -> dict[str, dict]:
    """Every case written under `root`; per case what is expected: `vendor`, `file` (the hostile file, in the vendor's
    folder), `path` (the hostile entry relative to the intake), `good_skus` (of good.csv: always published),
    `also_good_skus` (products of the hostile file a right reading publishes; often none) and `description`."""
    root = root.absolute()               # links and the XXE case's URI name absolute paths
    outside = outside_of(root)
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / MARKER_FILE).write_text(MARKER_TEXT, encoding="utf-8")
    expected = {}
    for name, (vendor, write) in CASES.items():
        folder = root / vendor
        folder.mkdir()
        good_skus = write_good_sheet(folder, name)
        written = write(folder, outside)
        spec = written if isinstance(written, dict) else {"file": written}
        expected[name] = {"vendor": vendor, "path": f"{vendor}/{spec['file']}", "good_skus": good_skus,
                          "also_good_skus": [], "description": describe(write), **spec}
    return expected


def describe(write: Callable) -> str:
    """A case's description: its writer's docstring on one line."""
    return " ".join((write.__doc__ or "").split())


def write_good_sheet(folder: Path, name: str) -> list[str]:
    """good.csv: the header, then two products of unique references GOOD-<case>-1 and -2; returns their SKUs."""
    skus = [f"GOOD-{name}-{n}" for n in (1, 2)]
    rows = [[sku, title, price, "100 g"] for sku, (title, price) in zip(skus, GOOD_PRODUCTS, strict=True)]
    (folder / GOOD_FILE).write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return skus


def write_translations(path: Path) -> None:
    """A translation memory to import (`eprovence tm import`): Chinese for every good title."""
    lines = ["source,target", *(f"{source},{target}" for source, target in TRANSLATIONS.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------------- helpers


def _semicolon_csv(rows: list[list[str]]) -> str:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\n").writerows(rows)
    return text.getvalue()


def _products(name: str, count: int = 2) -> list[list[str]]:
    """`count` well-formed product rows ROW-<case>-n, titles the memory translates."""
    return [[f"ROW-{name}-{n}", *_good_cells(n)] for n in range(1, count + 1)]


def _good_cells(n: int) -> list[str]:
    title, price = GOOD_PRODUCTS[(n - 1) % len(GOOD_PRODUCTS)]
    return [title, price, "100 g"]


def _sheet_text(name: str, count: int = 2) -> str:
    return _semicolon_csv([GOOD_HEADER, *_products(name, count)])


def _column(index: int) -> str:
    """Excel's letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA, 16383 → XFD."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------------------------------- workbooks by hand

SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DOS_TIME, DOS_DATE = 0, (2026 - 1980) << 9 | 1 << 5 | 1       # 2026-01-01 00:00: the same bytes every time


@dataclass(frozen=True)
class ZipEntry:
    """One deflated member of a hand-written zip: its compressed stream as a head, a block repeated `times` and a
    tail (written piece by piece, so that a bomb never sits in memory), the CRC and size of what it inflates to,
    and the size the zip declares (a liar's differs)."""

    name: str
    head: bytes
    crc: int
    size: int
    block: bytes = b""
    times: int = 0
    tail: bytes = b""
    declared_size: int | None = None

    @property
    def compressed_size(self) -> int:
        return len(self.head) + len(self.block) * self.times + len(self.tail)

    def pieces(self) -> Iterator[bytes]:
        yield self.head
        for _ in range(self.times):
            yield self.block
        yield self.tail


def deflated(name: str, data: bytes) -> ZipEntry:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return ZipEntry(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def deflated_repeat(name: str, head: bytes, unit: bytes, times: int, tail: bytes,
                    declared_size: int | None = None) -> ZipEntry:
    """head + unit × times + tail, deflated once: a full flush resets the compressor, so the unit's compressed block
    is the same bytes at every repetition and is written `times` times (600 MB deflate in a second, not minutes)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_z = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block_z = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail_z = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(unit, crc)
    return ZipEntry(name, head_z, zlib.crc32(tail, crc), len(head) + len(unit) * times + len(tail),
                    block_z, times, tail_z, declared_size)


def write_zip(path: Path, entries: list[ZipEntry]) -> None:
    """A zip of deflated entries, local headers and central directory saying each entry's declared size."""
    central = []
    with path.open("wb") as out:
        for entry in entries:
            offset, name = out.tell(), entry.name.encode()
            size = entry.size if entry.declared_size is None else entry.declared_size
            out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, DOS_TIME, DOS_DATE, entry.crc,
                                  entry.compressed_size, size, len(name), 0) + name)
            for piece in entry.pieces():
                out.write(piece)
            central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, DOS_TIME, DOS_DATE, entry.crc,
                                       entry.compressed_size, size, len(name), 0, 0, 0, 0, 0, offset) + name)
        start, directory = out.tell(), b"".join(central)
        out.write(directory)
        out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0))


def workbook_parts(shared_strings: bool = False) -> list[ZipEntry]:
    """Everything of a one-sheet workbook but the sheet (xl/worksheets/sheet1.xml) and its shared strings."""
    strings_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    content_types = (
        XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{strings_type}"/>' if shared_strings else "")
        + "</Types>")
    relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    document = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    root_rels = (XML_DECLARATION + f'<Relationships xmlns="{relationships}"><Relationship Id="rId1" '
                 f'Type="{document}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = (XML_DECLARATION + f'<workbook xmlns="{SPREADSHEET_NS}" xmlns:r="{document}"><sheets>'
                '<sheet name="Tarifs" sheetId="1" r:id="rId1"/></sheets></workbook>')
    workbook_rels = (XML_DECLARATION + f'<Relationships xmlns="{relationships}">'
                     f'<Relationship Id="rId1" Type="{document}/worksheet" Target="worksheets/sheet1.xml"/>'
                     + (f'<Relationship Id="rId2" Type="{document}/sharedStrings" Target="sharedStrings.xml"/>'
                        if shared_strings else "") + "</Relationships>")
    return [deflated("[Content_Types].xml", content_types.encode()), deflated("_rels/.rels", root_rels.encode()),
            deflated("xl/workbook.xml", workbook.encode()), deflated("xl/_rels/workbook.xml.rels",
                                                                      workbook_rels.encode())]


def cell_xml(ref: str, xml_text: str) -> str:
    """An inline-string cell; `xml_text` is XML already (escaped, or an entity reference on purpose)."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{xml_text}</t></is></c>'


def row_xml(number: int, cells: list[str]) -> str:
    """A row of inline-string cells from plain text."""
    inner = "".join(cell_xml(f"{_column(i)}{number}", escape(text)) for i, text in enumerate(cells))
    return f'<row r="{number}">{inner}</row>'


def sheet_head(dimension: str, prolog: str = "") -> str:
    return XML_DECLARATION + prolog + f'<worksheet xmlns="{SPREADSHEET_NS}"><dimension ref="{dimension}"/><sheetData>'


SHEET_TAIL = "</sheetData></worksheet>"


def products_sheet(name: str, count: int = 2, prolog: str = "", dimension: str | None = None,
                   more_rows: str = "") -> bytes:
    """A sheet: the good header, `count` products ROW-<case>-n, then `more_rows` (XML)."""
    rows = "".join(row_xml(n, cells) for n, cells in enumerate([GOOD_HEADER, *_products(name, count)], start=1))
    return (sheet_head(dimension or f"A1:D{count + 1}", prolog) + rows + more_rows + SHEET_TAIL).encode()


def write_workbook(path: Path, sheet: bytes | ZipEntry, shared_strings: bytes | None = None) -> None:
    entries = workbook_parts(shared_strings is not None)
    entries.append(sheet if isinstance(sheet, ZipEntry) else deflated("xl/worksheets/sheet1.xml", sheet))
    if shared_strings is not None:
        entries.append(deflated("xl/sharedStrings.xml", shared_strings))
    write_zip(path, entries)


def billion_laughs(root: str) -> str:
    """A DOCTYPE whose entity lol9 expands to 10⁹ "lol" (3 GB) from a few hundred bytes."""
    names = ["lol", *(f"lol{n}" for n in range(1, 10))]
    levels = ['<!ENTITY lol "lol">', *(f'<!ENTITY {name} "{f"&{below};" * 10}">'
                                       for below, name in zip(names, names[1:], strict=False))]
    return f"<!DOCTYPE {root} [\n " + "\n ".join(levels) + "\n]>\n"


BOMB_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
BOMB_UNIT = BOMB_ROW * (MIB // len(BOMB_ROW))           # ~1 MiB of rows


def bomb_sheet(name: str, mib: int, declared_size: int | None = None) -> ZipEntry:
    """The products sheet followed by `mib` MiB of repeated rows, its dimension saying A1:D3."""
    head = (sheet_head("A1:D3") + "".join(row_xml(n, cells) for n, cells in
                                          enumerate([GOOD_HEADER, *_products(name)], start=1))).encode()
    return deflated_repeat("xl/worksheets/sheet1.xml", head, BOMB_UNIT, mib, SHEET_TAIL.encode(), declared_size)


# ---------------------------------------------------------------------------------------------- xlsx cases


@case("xlsx-dimension")
def _xlsx_dimension(folder: Path, outside: Path) -> str:
    """xlsx whose <dimension> says A1:XFD1048576 (17 billion cells) and with a cell at XFD1048576, after two
    products: a reader sizing a grid from the dimension or the last cell takes the machine."""
    last = f'<row r="1048576">{cell_xml("XFD1048576", "fin")}</row>'
    write_workbook(folder / "tarifs.xlsx", products_sheet("xlsx-dimension", dimension="A1:XFD1048576",
                                                          more_rows=last))
    return "tarifs.xlsx"


@case("xlsx-zip-bomb")
def _xlsx_zip_bomb(folder: Path, outside: Path) -> str:
    """xlsx zip bomb: a sheet of ~600 MiB (12 million repeated <row> elements, dimension A1:D3) deflated to ~2 MB,
    sizes declared truly: ratio ~330."""
    write_workbook(folder / "tarifs.xlsx", bomb_sheet("xlsx-zip-bomb", 600))
    return "tarifs.xlsx"


@case("xlsx-lying-size")
def _xlsx_lying_size(folder: Path, outside: Path) -> str:
    """xlsx whose sheet entry declares 1,024 bytes inflated (local header and central directory) but inflates to
    ~300 MiB: size and ratio checks that trust the declared size are fooled."""
    write_workbook(folder / "tarifs.xlsx", bomb_sheet("xlsx-lying-size", 300, declared_size=1024))
    return "tarifs.xlsx"


@case("xlsx-laughs-sheet")
def _xlsx_laughs_sheet(folder: Path, outside: Path) -> str:
    """xlsx with billion laughs in the sheet XML: a DOCTYPE of nested entities, &lol9; in a product's title."""
    laugh = f'<row r="4">{cell_xml("A4", "ROW-xlsx-laughs-sheet-3")}{cell_xml("B4", "&lol9;")}</row>'
    write_workbook(folder / "tarifs.xlsx", products_sheet("xlsx-laughs-sheet", prolog=billion_laughs("worksheet"),
                                                          dimension="A1:D4", more_rows=laugh))
    return "tarifs.xlsx"


@case("xlsx-laughs-strings")
def _xlsx_laughs_strings(folder: Path, outside: Path) -> str:
    """xlsx with billion laughs in sharedStrings.xml: string 0 is &lol9;, a product's title refers to it."""
    strings = (XML_DECLARATION + billion_laughs("sst") + f'<sst xmlns="{SPREADSHEET_NS}" count="1" uniqueCount="1">'
               "<si><t>&lol9;</t></si></sst>").encode()
    laugh = f'<row r="4">{cell_xml("A4", "ROW-xlsx-laughs-strings-3")}<c r="B4" t="s"><v>0</v></c></row>'
    write_workbook(folder / "tarifs.xlsx", products_sheet("xlsx-laughs-strings", dimension="A1:D4",
                                                          more_rows=laugh), strings)
    return "tarifs.xlsx"


@case("xlsx-xxe")
def _xlsx_xxe(folder: Path, outside: Path) -> str:
    """xlsx with external entities in the sheet XML: &xxe; (file:///etc/passwd) and &marker; (the marker file
    outside the intake) as two products' titles; neither file's content may reach any output."""
    prolog = ('<!DOCTYPE worksheet [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
              f' <!ENTITY marker SYSTEM "{(outside / MARKER_FILE).as_uri()}">\n]>\n')
    rows = "".join(f'<row r="{n}">{cell_xml(f"A{n}", f"ROW-xlsx-xxe-{n}")}{cell_xml(f"B{n}", entity)}'
                   f'{cell_xml(f"C{n}", "4,50")}{cell_xml(f"D{n}", "100 g")}</row>'
                   for n, entity in ((4, "&xxe;"), (5, "&marker;")))
    write_workbook(folder / "tarifs.xlsx", products_sheet("xlsx-xxe", prolog=prolog, dimension="A1:D5",
                                                          more_rows=rows))
    return "tarifs.xlsx"


@case("xlsx-truncated")
def _xlsx_truncated(folder: Path, outside: Path) -> str:
    """xlsx cut in half: a workbook of 200 products whose second half of bytes (central directory too) is gone."""
    path = folder / "tarifs.xlsx"
    write_workbook(path, products_sheet("xlsx-truncated", count=200))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return "tarifs.xlsx"


@case("xlsx-malformed")
def _xlsx_malformed(folder: Path, outside: Path) -> str:
    """xlsx that is a valid zip with every part, but whose sheet XML is garbage (unclosed tags, stray markup,
    NUL and invalid UTF-8 bytes)."""
    garbage = (XML_DECLARATION.encode() + f'<worksheet xmlns="{SPREADSHEET_NS}"><sheetData><row r="1">'.encode()
               + b'<c r="A1" t="inlineStr"><is><t>R\xc3\xa9f\xc3\xa9rence</t></is><row><<>>&&; ]]>\x00\xff\xfe'
               + b"<c r=\"B1\"><v>1</v></row></sheetData")
    write_workbook(folder / "tarifs.xlsx", garbage)
    return "tarifs.xlsx"


@case("xlsx-encrypted")
def _xlsx_encrypted(folder: Path, outside: Path) -> str:
    """.xlsx that is an OLE compound file (D0 CF 11 E0 A1 B1 1A E1), as a password-protected workbook is: the
    EncryptionInfo and EncryptedPackage stream names, then random bytes."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + bytes(10)
    names = "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le")
    (folder / "tarifs.xlsx").write_bytes(header.ljust(512, b"\xff") + names.ljust(512, b"\x00")
                                         + random.Random(7).randbytes(7168))
    return "tarifs.xlsx"


@case("xlsx-columns-10000")
def _xlsx_columns_10000(folder: Path, outside: Path) -> dict:
    """xlsx of 10,000 columns: the good header's four then 9,996 `Colonne n`, and two products filling every
    cell; within Excel's and config/limits.yaml's limits, so its products are read."""
    extra = [f"Colonne {n}" for n in range(5, 10_001)]
    rows = [GOOD_HEADER + extra, *([*product, *(["v"] * len(extra))] for product in _products("xlsx-columns-10000"))]
    sheet = sheet_head(f"A1:{_column(9_999)}3") + "".join(row_xml(n, r) for n, r in enumerate(rows, 1)) + SHEET_TAIL
    write_workbook(folder / "tarifs.xlsx", sheet.encode())
    return {"file": "tarifs.xlsx", "also_good_skus": [r[0] for r in _products("xlsx-columns-10000")]}


# -------------------------------------------------------------------------------------------- text cases


@case("text-empty")
def _text_empty(folder: Path, outside: Path) -> str:
    """Empty file (0 bytes) named .csv."""
    (folder / "tarifs.csv").write_bytes(b"")
    return "tarifs.csv"


@case("text-bom-only")
def _text_bom_only(folder: Path, outside: Path) -> str:
    """A UTF-8 BOM and nothing else."""
    (folder / "tarifs.csv").write_bytes(b"\xef\xbb\xbf")
    return "tarifs.csv"


@case("text-header-only")
def _text_header_only(folder: Path, outside: Path) -> str:
    """The good header and no row."""
    (folder / "tarifs.csv").write_text(";".join(GOOD_HEADER) + "\n", encoding="utf-8")
    return "tarifs.csv"


@case("text-whitespace-only")
def _text_whitespace_only(folder: Path, outside: Path) -> str:
    """Only spaces, tabs, CR and LF (about 1,000 lines)."""
    (folder / "tarifs.csv").write_bytes(b"   \n\t\t\n \r\n\n" * 250)
    return "tarifs.csv"


@case("text-binary")
def _text_binary(folder: Path, outside: Path) -> str:
    """256 KiB of random bytes named .csv."""
    (folder / "tarifs.csv").write_bytes(random.Random(1).randbytes(256 * 1024))
    return "tarifs.csv"


@case("text-pdf")
def _text_pdf(folder: Path, outside: Path) -> str:
    """A PDF (%PDF-1.4 …) named .csv."""
    pdf = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
           b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\n0000000000 65535 f \n"
           b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n")
    (folder / "tarifs.csv").write_bytes(pdf)
    return "tarifs.csv"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@case("text-png")
def _text_png(folder: Path, outside: Path) -> str:
    """A real 64×64 PNG image named .csv."""
    pixels = zlib.compress(b"".join(b"\x00" + b"\xc8\x8c\xdc" * 64 for _ in range(64)))
    png = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">2I5B", 64, 64, 8, 2, 0, 0, 0))
           + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b""))
    (folder / "tarifs.csv").write_bytes(png)
    return "tarifs.csv"


@case("text-zip")
def _text_zip(folder: Path, outside: Path) -> str:
    """A zip archive (holding a products CSV) named .csv."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(zipfile.ZipInfo("tarifs.csv", (2026, 1, 1, 0, 0, 0)), _sheet_text("text-zip"))
    (folder / "tarifs.csv").write_bytes(archive.getvalue())
    return "tarifs.csv"


@case("text-utf16le-no-bom")
def _text_utf16le_no_bom(folder: Path, outside: Path) -> dict:
    """The good layout encoded UTF-16LE without a BOM (every other byte NUL): readable, so its products are read."""
    (folder / "tarifs.csv").write_bytes(_sheet_text("text-utf16le-no-bom").encode("utf-16-le"))
    return {"file": "tarifs.csv", "also_good_skus": [r[0] for r in _products("text-utf16le-no-bom")]}


@case("text-invalid-utf8")
def _text_invalid_utf8(folder: Path, outside: Path) -> dict:
    """UTF-8 text (accented header) with a few invalid bytes (FF FE, a lone C3, a lone 80) in row 2's title only:
    still UTF-8, so rows 1 and 3 are read and published, never garbled."""
    lines = _sheet_text("text-invalid-utf8", 3).encode().splitlines(keepends=True)
    lines[2] = b"ROW-text-invalid-utf8-2;Savon \xff\xfe \xc3 au lait \x80;9,00;100 g\n"
    (folder / "tarifs.csv").write_bytes(b"".join(lines))
    return {"file": "tarifs.csv", "also_good_skus": ["ROW-text-invalid-utf8-1", "ROW-text-invalid-utf8-3"]}


@case("text-utf8-then-cp1252")
def _text_utf8_then_cp1252(folder: Path, outside: Path) -> dict:
    """UTF-8 lines (the accented header, `Savon à la lavande`) followed by a row appended in cp1252 (`Crème brûlée à
    l'été`: \\xe8, \\xfb, \\xe0, \\xe9, invalid as UTF-8): the UTF-8 row is read as UTF-8 and published."""
    head = _semicolon_csv([GOOD_HEADER, ["ROW-text-utf8-then-cp1252-1", "Savon à la lavande", "9,00", "100 g"]])
    tail = _semicolon_csv([["ROW-text-utf8-then-cp1252-2", "Crème brûlée à l'été", "9,00", "100 g"]])
    (folder / "tarifs.csv").write_bytes(head.encode("utf-8") + tail.encode("cp1252"))
    return {"file": "tarifs.csv", "also_good_skus": ["ROW-text-utf8-then-cp1252-1"]}


@case("text-mojibake")
def _text_mojibake(folder: Path, outside: Path) -> str:
    """Valid UTF-8 of text already garbled once (UTF-8 read as cp1252): `Savon Ã<NBSP>la lavande`, `CrÃ¨me dâ€™Ã©tÃ©`;
    the garbled text is never published."""
    rows = [[f"ROW-text-mojibake-{n}", title.encode("utf-8").decode("cp1252", errors="replace"), "4,50", "100 g"]
            for n, title in enumerate(["Savon à la lavande", "Crème d’été", "Savon de Marseille « Élégance »"], 1)]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return "tarifs.csv"


@case("text-quote-mid-file")
def _text_quote_mid_file(folder: Path, outside: Path) -> str:
    """A quote opened in row 2's title that only a quote 50 rows further closes: the rows between become one
    cell."""
    rows = [f"ROW-text-quote-mid-file-{n};Savon de Marseille;4,50;100 g" for n in range(1, 60)]
    rows[1] = 'ROW-text-quote-mid-file-2;"Savon au lait;4,50;100 g'
    rows[51] = 'ROW-text-quote-mid-file-52;Savon" fin;4,50;100 g'
    (folder / "tarifs.csv").write_text("\n".join([";".join(GOOD_HEADER), *rows]) + "\n", encoding="utf-8")
    return {"file": "tarifs.csv",
            "also_good_skus": [f"ROW-text-quote-mid-file-{n}" for n in (1, *range(53, 60))]}


@case("text-quote-unclosed")
def _text_quote_unclosed(folder: Path, outside: Path) -> str:
    """A quote opened in row 3's title and never closed: the 1,000 rows after it run into the end of the file."""
    rows = [f"ROW-text-quote-unclosed-{n};Savon de Marseille;4,50;100 g" for n in range(1, 1_004)]
    rows[2] = 'ROW-text-quote-unclosed-3;"Savon jamais fermé;4,50;100 g'
    (folder / "tarifs.csv").write_text("\n".join([";".join(GOOD_HEADER), *rows]) + "\n", encoding="utf-8")
    return {"file": "tarifs.csv", "also_good_skus": ["ROW-text-quote-unclosed-1", "ROW-text-quote-unclosed-2"]}


@case("text-cell-200k")
def _text_cell_200k(folder: Path, outside: Path) -> dict:
    """One title of 200,000 characters (past Excel's 32,767 per cell: its row is rejected), then a good row that
    is read."""
    rows = [["ROW-text-cell-200k-1", "Savon " + "é" * 200_000, "4,50", "100 g"], *_products("text-cell-200k")[1:]]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return {"file": "tarifs.csv", "also_good_skus": ["ROW-text-cell-200k-2"]}


@case("text-nul-bytes")
def _text_nul_bytes(folder: Path, outside: Path) -> str:
    """NUL bytes inside a title and a SKU, and a line of 1,000 NULs, between good-looking rows: the NUL bytes are
    removed (with a warning), not the file, so that both products are read."""
    text = (";".join(GOOD_HEADER) + "\nROW-text-nul-bytes-1;Savon\x00 de Marseille;4,50;100 g\n" + "\x00" * 1000
            + "\nROW-\x00text-nul-bytes-2;Savon à la lavande;9,00;100 g\n")
    (folder / "tarifs.csv").write_text(text, encoding="utf-8")
    return {"file": "tarifs.csv", "also_good_skus": ["ROW-text-nul-bytes-1", "ROW-text-nul-bytes-2"]}


@case("text-columns-10000")
def _text_columns_10000(folder: Path, outside: Path) -> dict:
    """A header of 10,000 columns (the good four, then `Colonne n`) and two products filling every cell; within
    config/limits.yaml's 16,384 columns, so its products are read."""
    extra = [f"Colonne {n}" for n in range(5, 10_001)]
    products = _products("text-columns-10000")
    rows = [GOOD_HEADER + extra, *([*p, *(["v"] * len(extra))] for p in products)]
    (folder / "tarifs.csv").write_text(_semicolon_csv(rows), encoding="utf-8")
    return {"file": "tarifs.csv", "also_good_skus": [p[0] for p in products]}


@case("text-line-5mb")
def _text_line_5mb(folder: Path, outside: Path) -> dict:
    """A physical line of 5 MiB (past config/limits.yaml's 1 MiB line: its row is rejected), then a good row that
    is read."""
    line = "ROW-text-line-5mb-1;Savon " + "x" * (5 * MIB) + ";4,50;100 g"
    good = _semicolon_csv(_products("text-line-5mb")[1:])
    (folder / "tarifs.csv").write_text(";".join(GOOD_HEADER) + "\n" + line + "\n" + good, encoding="utf-8")
    return {"file": "tarifs.csv", "also_good_skus": ["ROW-text-line-5mb-2"]}


@case("text-duplicate-sku")
def _text_duplicate_sku(folder: Path, outside: Path) -> dict:
    """5,000 rows of the same SKU (each rejected as `duplicate`, in linear time) and one good row that is read."""
    rows = [["DUP-text-duplicate-sku", "Savon de Marseille", "4,50", "100 g"]] * 5_000
    good = ["ROW-text-duplicate-sku-1", *_good_cells(2)]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows[:2_500], good, *rows[2_500:]]),
                                       encoding="utf-8")
    return {"file": "tarifs.csv", "also_good_skus": [good[0]]}


@case("text-formulas")
def _text_formulas(folder: Path, outside: Path) -> str:
    """Formula payloads in SKUs, titles, prices and contents: =HYPERLINK("http://evil","x"), +cmd|' /C calc'!A0,
    @SUM(A1:A9), -2+3; no output cell may run as a formula."""
    payloads = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3"]
    rows = []
    for n, payload in enumerate(payloads, 1):
        rows += [[payload, "Savon de Marseille", "4,50", "100 g"],
                 [f"ROW-text-formulas-{n}-title", payload, "4,50", "100 g"],
                 [f"ROW-text-formulas-{n}-price", "Savon de Marseille", payload, "100 g"],
                 [f"ROW-text-formulas-{n}-content", "Savon à la lavande", "9,00", payload]]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return "tarifs.csv"


@case("text-scripts")
def _text_scripts(folder: Path, outside: Path) -> str:
    """Script payloads in titles, descriptions and a SKU: <script>alert(1)</script>, javascript:alert(1),
    <img src=x onerror=alert(1)>."""
    payloads = ["<script>alert(1)</script>", "javascript:alert(1)", '<img src=x onerror="alert(1)">']
    rows = [[payloads[0], "Savon de Marseille", "", "4,50", "100 g"]]
    for n, payload in enumerate(payloads, 1):
        rows += [[f"ROW-text-scripts-{n}-title", payload, "Savon doux.", "4,50", "100 g"],
                 [f"ROW-text-scripts-{n}-description", "Savon de Marseille", payload, "4,50", "100 g"]]
    header = [*GOOD_HEADER[:2], "Description", *GOOD_HEADER[2:]]
    (folder / "tarifs.csv").write_text(_semicolon_csv([header, *rows]), encoding="utf-8")
    return "tarifs.csv"


@case("text-controls-bidi")
def _text_controls_bidi(folder: Path, outside: Path) -> str:
    """Control characters and bidi overrides: ESC[31m, BEL, backspace, U+202E (right-to-left override),
    U+2066, a zero-width space in titles; a SKU "A<TAB>B" and one with U+202E."""
    rows = [["ROW-text-controls-bidi-1", "\x1b[31mSavon de Marseille\x1b[0m", "4,50", "100 g"],
            ["ROW-text-controls-bidi-2", "Savon \u202eednavl al à\u202c", "4,50", "100 g"],
            ["ROW-text-controls-bidi-3", "Savon\x07\x08 de\u2066 Marseille\u200b", "4,50", "100 g"],
            ["A\tB", "Savon de Marseille", "4,50", "100 g"],
            ["ROW-\u202e1-text-controls-bidi", "Savon à la lavande", "9,00", "100 g"],
            ["ROW-text-controls-bidi-\x1b[2J", "Savon à la lavande", "9,00", "100 g"]]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return "tarifs.csv"


@case("text-absurd-prices")
def _text_absurd_prices(folder: Path, outside: Path) -> str:
    """Absurd prices: 1e308, -0, NaN, 99999999999999999999, 0,0000001, Infinity, -1e308."""
    prices = ["1e308", "-0", "NaN", "99999999999999999999", "0,0000001", "Infinity", "-1e308"]
    rows = [[f"ROW-text-absurd-prices-{n}", "Savon de Marseille", price, "100 g"] for n, price in enumerate(prices, 1)]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return "tarifs.csv"


@case("text-absurd-quantities")
def _text_absurd_quantities(folder: Path, outside: Path) -> str:
    """Absurd net contents: 1e9 kg, -5 g, NaN ml, 1e308 g, 99999999999999999999 ml."""
    quantities = ["1e9 kg", "-5 g", "NaN ml", "1e308 g", "99999999999999999999 ml"]
    rows = [[f"ROW-text-absurd-quantities-{n}", "Savon de Marseille", "4,50", quantity]
            for n, quantity in enumerate(quantities, 1)]
    (folder / "tarifs.csv").write_text(_semicolon_csv([GOOD_HEADER, *rows]), encoding="utf-8")
    return "tarifs.csv"


@case("text-rows-300k")
def _text_rows_300k(folder: Path, outside: Path) -> str:
    """The good header then 300,000 one-cell rows (a SKU each, no title nor price), ~6 MB: each row is counted
    (rejected or skipped), in linear time."""
    rows = "".join(f"ROW-text-rows-300k-{n}\n" for n in range(1, 300_001))
    (folder / "tarifs.csv").write_text(";".join(GOOD_HEADER) + "\n" + rows, encoding="utf-8")
    return "tarifs.csv"


# ------------------------------------------------------------------------------------------ names and places


def _named_sheet(folder: Path, name: str, file_name: str) -> dict:
    """A well-formed products sheet under a hostile file name: judged by its content, so its products are read."""
    (folder / file_name).write_text(_sheet_text(name), encoding="utf-8")
    return {"file": file_name, "also_good_skus": [row[0] for row in _products(name)]}


@case("name-spaces")
def _name_spaces(folder: Path, outside: Path) -> dict:
    """A good sheet named `  tarifs  2026 (copie) .csv` (leading, doubled and trailing-before-suffix spaces)."""
    return _named_sheet(folder, "name-spaces", "  tarifs  2026 (copie) .csv")


@case("name-unicode")
def _name_unicode(folder: Path, outside: Path) -> dict:
    """A good sheet named `価格表 – crème ✓ 🧼.csv` (CJK, a dash, an accent decomposed (NFD), a check mark, an
    emoji)."""
    return _named_sheet(folder, "name-unicode", "価格表 – cre\u0300me ✓ 🧼.csv")


@case("name-dotdot")
def _name_dotdot(folder: Path, outside: Path) -> dict:
    """A good sheet named `tarifs..2026..csv` (`..` inside the name)."""
    return _named_sheet(folder, "name-dotdot", "tarifs..2026..csv")


@case("name-dash")
def _name_dash(folder: Path, outside: Path) -> dict:
    """A good sheet named `-rf.csv` (a leading dash: an option to a command line)."""
    return _named_sheet(folder, "name-dash", "-rf.csv")


@case("name-long")
def _name_long(folder: Path, outside: Path) -> dict:
    """A good sheet whose name has 200 characters."""
    return _named_sheet(folder, "name-long", "tarifs-" + "x" * 189 + ".csv")


@case("name-newline")
def _name_newline(folder: Path, outside: Path) -> dict:
    """A good sheet named `tarifs<LF>été.csv` (a newline in the name; only where the filesystem allows it): read
    or refused, it must not break the manifest, the rejects or the run's output."""
    name = "tarifs\nété.csv"
    try:
        (folder / name).write_text(_sheet_text("name-newline"), encoding="utf-8")
    except OSError:
        return {"file": None, "path": None}
    return {"file": name}


@case("vendor-name", vendor="Savonnerie l'Été ☀ 2026")
def _vendor_name(folder: Path, outside: Path) -> dict:
    """A vendor folder named `Savonnerie l'Été ☀ 2026` (spaces, an apostrophe, accents, a symbol): its good.csv
    publishes."""
    return {"file": GOOD_FILE}


@case("link-marker")
def _link_marker(folder: Path, outside: Path) -> str:
    """`tarifs.csv`, a symbolic link to the marker file outside the intake (sku,title,price / MARKER-1,…): never
    followed, MARKER-1 and the marker's sha256 appear in no output."""
    (folder / "tarifs.csv").symlink_to(outside / MARKER_FILE)
    return "tarifs.csv"


@case("link-passwd")
def _link_passwd(folder: Path, outside: Path) -> str:
    """`passwd.csv`, a symbolic link to /etc/passwd: never followed, none of its lines in any output."""
    (folder / "passwd.csv").symlink_to("/etc/passwd")
    return "passwd.csv"


@case("link-dangling")
def _link_dangling(folder: Path, outside: Path) -> str:
    """`tarifs.csv`, a symbolic link to a file that does not exist."""
    (folder / "tarifs.csv").symlink_to(outside / "absent.csv")
    return "tarifs.csv"


@case("link-loop-dir")
def _link_loop_dir(folder: Path, outside: Path) -> str:
    """`boucle`, a symbolic link to its own folder (`.`): a walker following it never ends."""
    (folder / "boucle").symlink_to(".", target_is_directory=True)
    return "boucle"


@case("link-loop-file")
def _link_loop_file(folder: Path, outside: Path) -> str:
    """`a.csv` → `b.csv` → `a.csv`: two symbolic links pointing at each other (ELOOP)."""
    (folder / "a.csv").symlink_to("b.csv")
    (folder / "b.csv").symlink_to("a.csv")
    return "a.csv"


@case("vendor-link")
def _vendor_link(folder: Path, outside: Path) -> dict:
    """A vendor folder that is a symbolic link (`vendor-link-alias`, beside this case's real folder) to a folder
    outside the intake holding a copy of the marker as tarifs.csv: never followed."""
    linked = outside / "linked-vendor"
    linked.mkdir()
    (linked / "tarifs.csv").write_text(MARKER_TEXT, encoding="utf-8")
    alias = folder.with_name("vendor-link-alias")
    alias.symlink_to(linked, target_is_directory=True)
    return {"file": GOOD_FILE, "path": alias.name}


@case("fifo")
def _fifo(folder: Path, outside: Path) -> str:
    """`tarifs.csv`, a FIFO (named pipe) no one writes to: opening it to read blocks for ever."""
    os.mkfifo(folder / "tarifs.csv")
    return "tarifs.csv"


# ---------------------------------------------------------------------------------------------- profiles
# A profile that cannot be read quarantines its vendor's sheets (README: a vendor's profile says how to read them,
# and reading them without it could publish wrong prices): their good products are expected quarantined, not read.
UNREADABLE_PROFILE = {"file": "profile.yaml", "good_skus": []}


@case("profile-alias-bomb")
def _profile_alias_bomb(folder: Path, outside: Path) -> str:
    """profile.yaml of ~500 bytes, a YAML alias bomb: nine levels of nine aliases (9⁹ = 387 million strings once
    expanded)."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"{key}: &{key} [{','.join([f'*{previous}'] * 9)}]" for previous, key in zip("abcdefgh", "bcdefghi",
                                                                                          strict=True)]
    (folder / "profile.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return UNREADABLE_PROFILE


@case("profile-5mb")
def _profile_5mb(folder: Path, outside: Path) -> str:
    """profile.yaml of 5 MiB: a valid profile (vendor_name) followed by 5 MiB of comment lines."""
    comment = "# " + "commentaire " * 10 + "\n"
    (folder / "profile.yaml").write_text("vendor_name: Savonnerie du Test\n" + comment * (5 * MIB // len(comment)),
                                         encoding="utf-8")
    return UNREADABLE_PROFILE


@case("profile-not-utf8")
def _profile_not_utf8(folder: Path, outside: Path) -> str:
    """profile.yaml in cp1252, not UTF-8 (vendor_name: Savonnerie de l'Été, É as the byte C9)."""
    (folder / "profile.yaml").write_bytes("vendor_name: Savonnerie de l'Été\ncurrency: EUR\n".encode("cp1252"))
    return UNREADABLE_PROFILE


def main(argv: list[str]) -> int:
    """Writes the corpus into DIR/intake and prints one line per case (the README's list)."""
    if len(argv) != 2:
        print("usage: make_hostile.py DIR", file=sys.stderr)
        return 2
    cases = write_hostile_intake(Path(argv[1]) / "intake")
    for name, expected in cases.items():
        print(f"- `{name}`: {expected['description']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
