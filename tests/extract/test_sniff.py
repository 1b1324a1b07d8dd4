"""Format, encoding and delimiter sniffing (pipeline/extract/sniff.py)."""
from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from pipeline.extract.sniff import UnreadableSheet, decode_text, detect_delimiter, detect_format
from pipeline.extract.text_decoding import EVIDENCE_BYTES, LEGACY_SAMPLE, decode_sheet, legacy_encoding


@pytest.fixture
def sheets(fixtures_dir: Path) -> Path:
    return fixtures_dir / "sheets"


def zipped(*entries: str) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for entry in entries:
            archive.writestr(entry, "x")
    return raw.getvalue()


def test_xlsx_is_recognised_by_content_whatever_its_name(sheets: Path) -> None:
    data = (sheets / "cell-types.xlsx").read_bytes()
    assert detect_format(data, "catalogue.csv") == "xlsx"


def test_text_is_recognised_whatever_its_name() -> None:
    assert detect_format(b"sku;prix\nA;1\n", "catalogue.xlsx") == "text"


def test_pdf_named_csv_says_what_it_is(sheets: Path) -> None:
    with pytest.raises(UnreadableSheet) as caught:
        detect_format((sheets / "binary-named.csv").read_bytes(), "vendor/catalogue.csv")
    assert "fichier binaire (pdf) nommé .csv" in caught.value.reason_fr.lower()
    assert "Binary file (PDF) named .csv" in caught.value.reason_en


@pytest.mark.parametrize(("data", "kind_fr"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image PNG"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image JPEG"),
    (b"GIF89a\x01\x00", "image GIF"),
    (b"\x1f\x8b\x08\x00", "archive GZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "ancien classeur Excel .xls"),
    (zipped("word/document.xml"), "document Word"),
    (zipped("mimetype", "content.xml"), "document OpenDocument"),
    (zipped("xl/workbook.bin"), "classeur Excel binaire XLSB"),
    (zipped("notes.txt"), "archive ZIP"),
    (b"PK\x03\x04 truncated", "archive ZIP endommagée"),
    (b"sku;prix\x00\x01\x02;\n" * 3, "contenu non textuel"),
])
def test_binary_files_are_named(data: bytes, kind_fr: str) -> None:
    with pytest.raises(UnreadableSheet) as caught:
        detect_format(data, "produits.xls")
    assert f"({kind_fr}" in caught.value.reason_fr
    assert "nommé .xls" in caught.value.reason_fr


def test_empty_file_is_unreadable() -> None:
    with pytest.raises(UnreadableSheet, match="no bytes"):
        detect_format(b"", "vide.csv")


@pytest.mark.parametrize(("data", "text", "encoding"), [
    ("\ufeffRéf;Prix\n".encode(), "Réf;Prix\n", "utf-8-sig"),
    ("Réf;Prix\n".encode(), "Réf;Prix\n", "utf-8"),
    ("Réf;Prix 4,90 €\n".encode("cp1252"), "Réf;Prix 4,90 €\n", "cp1252"),
    (b"R\xe9f;\x81\n", "Réf;\x81\n", "latin-1"),
    (b"\xff\xfe" + "Réf\tPrix\r\n".encode("utf-16-le"), "Réf\tPrix\r\n", "utf-16"),
    (b"\xfe\xff" + "Réf;Prix\n".encode("utf-16-be"), "Réf;Prix\n", "utf-16"),
    ("Réf;Prix\nA;1\n".encode("utf-16-le"), "Réf;Prix\nA;1\n", "utf-16-le"),
    ("Réf;Prix\nA;1\n".encode("utf-16-be"), "Réf;Prix\nA;1\n", "utf-16-be"),
])
def test_encoding_is_detected_and_reported(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding)


def test_bomless_utf16_is_not_taken_for_binary() -> None:
    assert detect_format("sku;prix\nA;1\n".encode("utf-16-le"), "x.csv") == "text"


def test_forced_encoding_wins_over_detection() -> None:
    assert decode_text("Réf".encode(), "latin-1") == ("RÃ©f", "latin-1")


def test_forced_encoding_that_does_not_fit_names_the_byte() -> None:
    with pytest.raises(UnreadableSheet) as caught:
        decode_text(b"R\xe9f;prix\n", "utf-8")
    assert "0xE9" in caught.value.reason_fr and "position 1" in caught.value.reason_fr


@pytest.mark.parametrize(("text", "delimiter"), [
    ("sku;title;price\nA;Savon;4,90\nB;Miel;5,10\n", ";"),
    ("sku,title,price\nA,\"Savon; lavande\",4.90\nB,Miel,5.10\n", ","),
    ("sku\ttitle\tprice\nA\tSavon, lavande\t4,90\n", "\t"),
    # csv.Sniffer gives up here; comma decimals split every data record in two, but not the header
    ("sku;title;price;stock\nA1;Savon;4,90;10\nA2;Savon; lavande;4,90;10\nA3;Savon;4,90\n", ";"),
    # title lines without any delimiter above the header
    ("Confiserie du Luberon\nTarifs 2025, prix en euros\n\nsku,title,price\nC,Calissons,15.00\n", ","),
    # a ; file where every record, the header too, holds commas
    ("Réf;Prix (€, TTC);Note\nA;4,90;a, b\nB;5,10;c, d\n", ";"),
    # a ; price list without header: one decimal comma per record splits it in two, steadily, as ; in four
    ("SAV-001;Savon lavande;4,50;12\nSAV-002;Savon miel;5,00;3\nSAV-003;Savon rose;6,00;8\n", ";"),
])
def test_delimiter(text: str, delimiter: str) -> None:
    assert detect_delimiter(text) == delimiter


# decode_sheet: encodings decided on evidence, line by line where the lines disagree

UTF8_ROWS = "Réf;Désignation;Prix\nSAV-01;Crème de karité;12,50 €\nSAV-02;Savon à l'huile d'olive;4,90 €\n"


def test_a_utf8_text_is_decoded_whole() -> None:
    decoded = decode_sheet(UTF8_ROWS.encode())
    assert (decoded.text, decoded.encoding, decoded.invalid, decoded.warnings, decoded.exact) == (
        UTF8_ROWS, "utf-8", {}, [], True)


def test_a_line_with_invalid_bytes_is_named_the_others_read_as_utf8() -> None:
    data = UTF8_ROWS.encode() + "SAV-03;Crème ".encode() + b"\xe0 la lavande \xff;6\n" + "SAV-04;Thé;3\n".encode()
    decoded = decode_sheet(data)
    assert decoded.encoding == "utf-8"
    assert decoded.invalid == {3: "octet 0xE0 en position 14"}
    assert decoded.text.splitlines()[3] == "SAV-03;Crème \ufffd la lavande \ufffd;6"
    assert decoded.text.splitlines()[4] == "SAV-04;Thé;3" and decoded.text.startswith(UTF8_ROWS)


def test_a_utf8_character_cut_short_is_invalid_not_windows_1252() -> None:
    decoded = decode_sheet(UTF8_ROWS.encode() + b"SAV-03;Caf\xc3;5\n")
    assert decoded.invalid == {3: "octet 0xC3 en position 11"}


def test_windows_1252_lines_appended_to_utf8_are_each_read_right_with_a_warning() -> None:
    appended = "SAV-03;Thé vert « bio »;3,00 €\r\nSAV-04;Pâte à tartiner;5 €\r\nSAV-05;Café;4\r\n"
    decoded = decode_sheet(UTF8_ROWS.encode() + appended.encode("cp1252"))
    assert decoded.text == UTF8_ROWS + appended and decoded.invalid == {}
    assert decoded.warnings == ["encoding: 3 line(s) in Windows-1252 among utf-8 lines, each read in its own "
                                "encoding (line 4, 5, 6)"]


def test_a_windows_1252_header_above_utf8_rows_is_read_right() -> None:
    data = "Réf;Désignation\n".encode("cp1252") + "SAV-01;Crème\n".encode()
    decoded = decode_sheet(data)
    assert decoded.text == "Réf;Désignation\nSAV-01;Crème\n" and decoded.encoding == "utf-8"


def test_with_a_bom_a_windows_1252_line_is_read_too() -> None:
    decoded = decode_sheet(b"\xef\xbb\xbf" + UTF8_ROWS.encode() + "SAV-03;Thé;3\n".encode("cp1252"))
    assert (decoded.text, decoded.encoding) == (UTF8_ROWS + "SAV-03;Thé;3\n", "utf-8-sig")


def test_a_profiles_encoding_is_not_second_guessed() -> None:
    decoded = decode_sheet(UTF8_ROWS.encode() + "SAV-03;Thé;3\n".encode("cp1252"), "utf-8")
    assert decoded.invalid == {3: "octet 0xE9 en position 10"} and decoded.text.endswith("SAV-03;Th\ufffd;3\n")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_whole_windows_1252_or_latin1_text_reads_as_before(encoding: str) -> None:
    text = UTF8_ROWS.replace("€", "EUR") + ("SAV-03;Nougat\x81;6\n" if encoding == "latin-1" else "")
    data = text.encode("latin-1" if encoding == "latin-1" else "cp1252")
    decoded = decode_sheet(data)
    assert (decoded.text, decoded.encoding, decoded.invalid, decoded.warnings) == (text, encoding, {}, [])
    assert decode_text(data) == (text, encoding)


@pytest.mark.parametrize("encoding", ["mac_roman", "cp850"])
def test_a_text_clearly_not_windows_1252_is_left_to_charset_normalizer(encoding: str) -> None:
    text = "Référence;Désignation;Prix TTC\nSAV-01;Crème brûlée à l'ancienne;4,90\nSAV-02;Thé vert, pêche;3\n"
    decoded = decode_sheet(text.encode(encoding))
    assert decoded.text == text and codecs.lookup(decoded.encoding).name == codecs.lookup(encoding).name


def test_legacy_encoding_reads_only_the_start_of_a_text() -> None:
    """What a stream asks of its first bytes is what the whole text gives."""
    data = ("Ref;Libelle\n" + "".join(f"SAV-{n};Crème n°{n}\n" for n in range(20_000))).encode("cp1252")
    first_error = data.index(b"\xe8")
    start = data[:max(LEGACY_SAMPLE, first_error + EVIDENCE_BYTES) + 1]
    assert legacy_encoding(data, first_error) == legacy_encoding(start, first_error) == "cp1252"
    assert legacy_encoding(b"Ref\n" + "Crème\n".encode() + b"Cr\xe8me\n", 10) is None      # a UTF-8 line first


def test_nul_bytes_are_removed_with_a_warning() -> None:
    decoded = decode_sheet(UTF8_ROWS.encode() + b"SAV-03;Sa\x00von\x00;3\n")
    assert decoded.text == UTF8_ROWS + "SAV-03;Savon;3\n" and not decoded.exact
    assert decoded.warnings == ["encoding: 2 NUL byte(s) removed, the first on line 4"]


def test_a_text_with_a_few_nul_bytes_is_text_a_pdf_is_still_binary(sheets: Path) -> None:
    assert detect_format(UTF8_ROWS.encode() * 20 + b"SAV-03;Sa\x00von;3\n", "produits.csv") == "text"
    with pytest.raises(UnreadableSheet, match="PDF"):
        detect_format((sheets / "binary-named.csv").read_bytes(), "produits.csv")
    with pytest.raises(UnreadableSheet, match="non-text"):
        detect_format(bytes(range(256)) * 4, "produits.csv")


def test_nul_bytes_alone_do_not_make_a_file_binary() -> None:
    """A line of a thousand NUL bytes in a short sheet: its NUL bytes are removed, its rows read."""
    data = UTF8_ROWS.encode() + b"\x00" * 1000 + b"\nSAV-03;Savon;3\n"
    assert detect_format(data, "produits.csv") == "text"
    assert decode_sheet(data).text == UTF8_ROWS + "\nSAV-03;Savon;3\n"


def test_utf16_decodes_whole_or_not_at_all() -> None:
    assert decode_sheet("Réf;Prix\nA;1\n".encode("utf-16")).text == "Réf;Prix\nA;1\n"
    with pytest.raises(UnreadableSheet):
        decode_sheet(b"\xff\xfe" + "Réf;Prix\n".encode("utf-16-le") + b"\x00")


def test_a_quote_left_open_does_not_mislead_the_delimiter() -> None:
    text = ('SKU;Désignation;Prix TTC\nSAV-01;Savon;4,90 €\nSAV-02;"Crème de karité;12,50 €\n'
            "SAV-03;Huile d'olive;8,00 €\nSAV-04;Thé;3,10 €\n")
    assert detect_delimiter(text) == ";"


def test_a_quote_closed_rows_further_down_does_not_mislead_the_delimiter() -> None:
    """The quote opened in row 2 closes in row 30: the rows between, read as one, are counted as the lines they are,
    each cut by ; into the header's four cells (a comma cuts each price in two, steadily)."""
    rows = [f"SAV-{n:02d};Savon de Marseille;4,50;100 g" for n in range(1, 40)]
    rows[1] = 'SAV-02;"Savon au lait;4,50;100 g'
    rows[29] = 'SAV-30;Savon" fin;4,50;100 g'
    assert detect_delimiter("Référence;Désignation;Prix HT;Contenance\n" + "\n".join(rows) + "\n") == ";"
