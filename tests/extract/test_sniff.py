"""Format, encoding and delimiter sniffing (pipeline/extract/sniff.py)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pipeline.extract.sniff import UnreadableSheet, decode_text, detect_delimiter, detect_format


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
