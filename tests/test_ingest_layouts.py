"""Specification of the reader on sheets laid out the way small firms really send them (tests/fixtures/layouts).

The reader reads a sheet the way a person does: by the words of its headers rather than an exact synonym list,
with columns confirmed by their content; it finds the table wherever it is (below a hint row, on the second
sheet, with no header at all); rows that are not products (title, section, total, footnote, sub-header) are
skipped and counted, never rejected; a product row without a reference gets a stable derived SKU; and each bad
row is rejected under its own rule, on the row number a spreadsheet shows (header included).

Each test names one behaviour on one fixture; every expected value is derived by hand from the sheet as written by
tests/fixtures/layouts/make_layouts.py (its README says what each holds). Many of these fail against the reader
of today: they are its target.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.config import RunSettings
from pipeline.extract.intake import IntakeFile, discover
from pipeline.extract.profiles import VendorProfile
from pipeline.ingest import FileResult, process_file
from pipeline.run import run

LAYOUTS = Path(__file__).resolve().parent / "fixtures" / "layouts"
DAY = dt.date(2026, 11, 1)
VENDOR = "producteur"

HINT_ROW = "hint-row-above-header.xlsx"
INSTRUCTIONS = "instructions-sheet-first.xlsx"
SECTIONS = "sections-and-footnotes.csv"
UNICODE_TEXT = "texte-unicode-export.txt"
HEADERLESS = "headerless-price-list.csv"
NO_REFERENCE = "no-reference-column.csv"
EAN_ONLY = "ean-only.csv"
TWO_PRICES = "two-price-columns.csv"
TRADE_AND_SHOP = "wholesale-and-retail.csv"
SUB_HEADER = "sub-header-and-merged-cells.xlsx"
BAD_ROWS = "bad-rows.csv"
NO_PRICE = "no-price-column.csv"


def drop(tmp_path: Path, name: str, vendor: str = VENDOR) -> Path:
    """The fixture `name` copied into tmp_path/intake/<vendor>/, as the vendor drops it."""
    folder = tmp_path / "intake" / vendor
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(LAYOUTS / name, folder / name))


def read_file(path: Path, vendor: str = VENDOR) -> FileResult:
    """process_file on a sheet of `vendor`'s folder, with the default profile."""
    file = IntakeFile(vendor, f"{vendor}/{path.name}", str(path), path.stat().st_size)
    return process_file(file, VendorProfile(vendor_id=vendor), DAY, RunSettings(180))


def read_layout(tmp_path: Path, name: str, vendor: str = VENDOR) -> FileResult:
    """The FileResult of the fixture `name` dropped into tmp_path/intake/<vendor>/."""
    return read_file(drop(tmp_path, name, vendor), vendor)


def valid_rows(result: FileResult, *fields: str) -> list[tuple]:
    """The valid rows' `fields`, one tuple per row, in sheet order."""
    if result.valid.empty:
        return []
    valid = result.valid.sort_values("source_row")
    return list(zip(*(valid[name].tolist() for name in fields), strict=True))


def rejected(result: FileResult) -> list[tuple]:
    """(source_row, field, rule) of each reject, sorted."""
    rejects = result.rejects
    return sorted(zip(rejects["source_row"].tolist(), rejects["field"], rejects["rule"], strict=True))


# --- a. hint-row-above-header.xlsx: an invoicing tool's export ------------------------------------------------------

def test_a_hint_row_above_the_header_is_neither_header_nor_product(tmp_path):
    result = read_layout(tmp_path, HINT_ROW)
    assert result.record["rows"] == 6                                          # rows 3 to 8
    assert valid_rows(result, "source_row") == [(3,), (4,), (5,), (6,), (8,)]


def test_zero_padded_references_stay_text(tmp_path):
    skus = valid_rows(read_layout(tmp_path, HINT_ROW), "sku")
    assert skus == [("000042",), ("000043",), ("000107",), ("000108",), ("000316",)]


def test_float_noise_in_a_price_cell_is_read_as_the_price_shown(tmp_path):
    prices = dict(valid_rows(read_layout(tmp_path, HINT_ROW), "sku", "price"))
    assert prices["000107"] == Decimal("9.1")                 # the cell holds 9.100000000000001


def test_unit_prices_ht_are_exact_and_vat_exclusive(tmp_path):
    assert valid_rows(read_layout(tmp_path, HINT_ROW), "sku", "price", "price_includes_vat") == [
        ("000042", Decimal("3.5"), False),
        ("000043", Decimal("3.9"), False),
        ("000107", Decimal("9.1"), False),
        ("000108", Decimal("8"), False),
        ("000316", Decimal("6.75"), False),
    ]


def test_a_price_on_request_is_rejected_as_unreadable_money(tmp_path):
    assert rejected(read_layout(tmp_path, HINT_ROW)) == [(7, "price", "money_unreadable")]


# --- b. instructions-sheet-first.xlsx: a template explaining itself on its first sheet ------------------------------

def test_products_come_from_the_products_sheet_not_the_instructions(tmp_path):
    result = read_layout(tmp_path, INSTRUCTIONS)
    assert result.record["status"] == "processed"
    assert valid_rows(result, "source_row", "sku", "title") == [
        (2, "LAV-BQT-01", "Bouquet de lavande séchée"),
        (3, "LAV-SAC-03", "Sachets de lavande (lot de 3)"),
        (4, "HUI-ESS-10", "Huile essentielle de lavande fine 10 ml"),
        (5, "SAV-LIQ-250", "Savon liquide à la lavande 250 ml"),
    ]


def test_pvc_ttc_prices_include_vat(tmp_path):
    assert valid_rows(read_layout(tmp_path, INSTRUCTIONS), "sku", "price", "price_includes_vat") == [
        ("LAV-BQT-01", Decimal("7.5"), True),
        ("LAV-SAC-03", Decimal("9.9"), True),
        ("HUI-ESS-10", Decimal("12"), True),
        ("SAV-LIQ-250", Decimal("8.9"), True),
    ]


def test_eans_typed_as_numbers_on_the_products_sheet_are_kept(tmp_path):
    assert valid_rows(read_layout(tmp_path, INSTRUCTIONS), "sku", "barcode") == [
        ("LAV-BQT-01", "3760451200011"),
        ("LAV-SAC-03", "3760451200028"),
        ("HUI-ESS-10", "3760451200035"),
        ("SAV-LIQ-250", "3760451200042"),
    ]


# --- c. sections-and-footnotes.csv: a price list with sections, a total and footnotes -------------------------------

def test_only_the_product_lines_under_the_sections_are_rows(tmp_path):
    result = read_layout(tmp_path, SECTIONS)
    assert result.record["rows"] == 8
    assert valid_rows(result, "source_row", "sku", "price") == [
        (5, "HO-AGL-50", Decimal("14.50")),
        (6, "HO-AGL-100", Decimal("26.00")),
        (7, "HO-FRU-50", Decimal("16.80")),
        (8, "HO-FRU-300", Decimal("72.00")),
        (11, "TAP-NOI-90", Decimal("5.20")),
        (12, "TAP-NOI-200", Decimal("9.00")),
        (13, "TAP-VER-90", Decimal("5.20")),
        (14, "TAP-TOM-90", Decimal("5.60")),
    ]


def test_title_sections_blank_lines_total_and_footnotes_are_skipped_not_rejected(tmp_path):
    result = read_layout(tmp_path, SECTIONS)
    assert rejected(result) == []
    # the file's 18 lines are its header, 8 products and 9 others: title, 3 blank, 2 sections, total, 2 footnotes
    assert result.record["rows_skipped"] == 9


def test_skipped_rows_are_counted_by_reason(tmp_path):
    record = read_layout(tmp_path, SECTIONS).record
    by_reason = record["rows_skipped_by_reason"]
    assert isinstance(record["rows_skipped"], int)
    assert sum(by_reason.values()) == record["rows_skipped"]
    assert len(by_reason) > 1


# --- d. texte-unicode-export.txt: Excel's « Texte Unicode » save ------------------------------------------------------

def test_a_texte_unicode_export_is_discovered_in_its_vendor_folder(tmp_path):
    drop(tmp_path, UNICODE_TEXT)
    files, strays = discover(str(tmp_path / "intake"))
    assert ([f.path for f in files], strays) == ([f"{VENDOR}/{UNICODE_TEXT}"], [])


def test_a_texte_unicode_export_is_read_as_a_tab_separated_sheet(tmp_path):
    assert valid_rows(read_layout(tmp_path, UNICODE_TEXT), "source_row", "title", "barcode") == [
        (2, "Savon au lait d'ânesse", "3760783401018"),
        (3, "Savon à la lavande", "3760783401025"),
        (4, "Miel de lavande de Provence IGP", "3760783401032"),
        (5, "Calissons d'Aix (boîte losange)", "3760783401049"),
        (6, "Nougat noir aux amandes", "3760783401056"),
    ]


def test_pvc_ttc_prices_of_a_texte_unicode_export_include_vat(tmp_path):
    assert valid_rows(read_layout(tmp_path, UNICODE_TEXT), "source_row", "price", "price_includes_vat") == [
        (2, Decimal("5.90"), True),
        (3, Decimal("4.90"), True),
        (4, Decimal("9.50"), True),
        (5, Decimal("14.00"), True),
        (6, Decimal("6.80"), True),
    ]


def test_a_bare_net_weight_takes_the_unit_of_its_header(tmp_path):
    assert valid_rows(read_layout(tmp_path, UNICODE_TEXT), "source_row", "net_content", "net_unit") == [
        (2, Decimal("100"), "g"),
        (3, Decimal("100"), "g"),
        (4, Decimal("250"), "g"),
        (5, Decimal("200"), "g"),
        (6, Decimal("150"), "g"),
    ]


# --- e. headerless-price-list.csv: a price list typed from a PDF, no header ------------------------------------------

def test_a_headerless_price_list_is_read_not_quarantined(tmp_path):
    result = read_layout(tmp_path, HEADERLESS)
    assert (result.record["status"], result.record["rows"], len(result.valid)) == ("processed", 7, 7)


def test_headerless_columns_give_the_sku_the_title_and_the_price(tmp_path):
    assert valid_rows(read_layout(tmp_path, HEADERLESS), "source_row", "sku", "title", "price") == [
        (1, "104512", "Miel de lavande 250 gr", Decimal("8.50")),
        (2, "104513", "Miel de romarin 500 gr", Decimal("13.90")),
        (3, "207301", "Huile d'olive 6 x 1 L", Decimal("89.00")),
        (4, "207315", "Huile d'olive vierge extra 75 cl", Decimal("19.80")),
        (5, "310020", "Nougat noir 100g", Decimal("4.60")),
        (6, "310021", "Nougat blanc 100g", Decimal("4.40")),
        (7, "415008", "Calissons d'Aix 250 g", Decimal("12.50")),
    ]


def test_headerless_net_content_is_read_from_the_label(tmp_path):
    assert valid_rows(read_layout(tmp_path, HEADERLESS), "sku", "net_content", "net_unit") == [
        ("104512", Decimal("250"), "g"),
        ("104513", Decimal("500"), "g"),
        ("207301", Decimal("6000"), "ml"),          # 6 x 1 L
        ("207315", Decimal("750"), "ml"),
        ("310020", Decimal("100"), "g"),
        ("310021", Decimal("100"), "g"),
        ("415008", Decimal("250"), "g"),
    ]


@pytest.mark.parametrize(("field", "position"), [("sku", 1), ("title", 2), ("price", 3)])
def test_a_headerless_column_is_recorded_as_found_by_its_content(tmp_path, field, position):
    entry = read_layout(tmp_path, HEADERLESS).record["columns"][field]
    assert (entry["column"], entry["position"], entry["method"]) == (None, position, "content")
    assert 0 <= entry["confidence"] <= 1


# --- f. no-reference-column.csv: no reference, typographic apostrophe and no-break space in the header ------------

SOAP = "Savon à l’huile d’olive"
REORDERED_WITH_NEW_PRICES = [                    # the same six products, another order, other prices
    "Sachet de lavande;3,50 €;20 g",
    f"{SOAP};8,20 €;250 g",
    "Eau de lavande;9,90 €;100 ml",
    f"{SOAP};4,70 €;100 g",
    "Bougie parfumée à la lavande;12,50 €;180 g",
    "Savon au lait de chèvre;5,10 €;100 g",
]


def derived_skus(result: FileResult) -> dict[tuple, str]:
    """(title, net content, unit) → SKU of each valid row."""
    return {(title, content, unit): sku
            for title, content, unit, sku in valid_rows(result, "title", "net_content", "net_unit", "sku")}


def test_rows_without_a_reference_get_a_derived_sku(tmp_path):
    result = read_layout(tmp_path, NO_REFERENCE)
    assert len(result.valid) == 6 and result.record["skus_derived"] == {"key": 6}
    assert valid_rows(result, "sku_derived") == [(True,)] * 6
    assert result.valid["sku"].str.strip().ne("").all()


def test_a_header_with_a_typographic_apostrophe_and_a_no_break_space_is_read(tmp_path):
    assert valid_rows(read_layout(tmp_path, NO_REFERENCE), "title", "price", "price_includes_vat") == [
        (SOAP, Decimal("4.50"), True),
        (SOAP, Decimal("7.90"), True),
        ("Savon au lait de chèvre", Decimal("4.90"), True),
        ("Bougie parfumée à la lavande", Decimal("12.00"), True),
        ("Eau de lavande", Decimal("9.50"), True),
        ("Sachet de lavande", Decimal("3.20"), True),
    ]


def test_a_derived_sku_stays_the_same_when_rows_are_reordered_and_prices_change(tmp_path):
    first = derived_skus(read_layout(tmp_path, NO_REFERENCE))
    header = (LAYOUTS / NO_REFERENCE).read_text(encoding="utf-8").splitlines()[0]
    again = tmp_path / "next-week" / "intake" / VENDOR / NO_REFERENCE       # the same sheet, sent again
    again.parent.mkdir(parents=True)
    again.write_bytes("".join(f"{line}\r\n" for line in [header, *REORDERED_WITH_NEW_PRICES]).encode("utf-8"))
    assert len(first) == 6                                                    # six products, six SKUs
    assert derived_skus(read_file(again)) == first


def test_one_title_with_two_net_contents_gets_two_derived_skus(tmp_path):
    skus = derived_skus(read_layout(tmp_path, NO_REFERENCE))
    assert skus[(SOAP, Decimal("100"), "g")] != skus[(SOAP, Decimal("250"), "g")]


# --- g. ean-only.csv: barcodes, no reference ----------------------------------------------------------------------

def test_the_ean_is_the_sku_when_there_is_no_reference_column(tmp_path):
    assert valid_rows(read_layout(tmp_path, EAN_ONLY), "source_row", "sku", "barcode") == [
        (2, "3760912300014", "3760912300014"),
        (3, "3760912300021", "3760912300021"),
        (5, "3760912300045", "3760912300045"),
        (6, "3760912300052", "3760912300052"),
    ]


def test_a_wrong_check_digit_is_rejected_on_the_barcode(tmp_path):
    assert rejected(read_layout(tmp_path, EAN_ONLY)) == [(4, "barcode", "gtin_check_digit")]


# --- h. two-price-columns.csv: each price without and with VAT -----------------------------------------------------

def test_with_ht_and_ttc_columns_the_ht_price_is_taken(tmp_path):
    assert valid_rows(read_layout(tmp_path, TWO_PRICES), "sku", "price", "price_includes_vat") == [
        ("MIE-LAV-250", Decimal("6.00"), False),
        ("MIE-LAV-500", Decimal("10.00"), False),
        ("HUI-VE-75", Decimal("20.00"), False),
        ("CAL-AIX-100", Decimal("4.00"), False),
        ("SAV-MAR-100", Decimal("3.75"), False),
        ("SAV-LAV-100", Decimal("4.50"), False),
        ("DIF-LAV-100", Decimal("12.50"), False),
    ]


def test_with_ht_and_ttc_columns_the_manifest_names_the_ht_column(tmp_path):
    assert read_layout(tmp_path, TWO_PRICES).record["columns"]["price"]["column"] == "Prix HT"


def test_an_ht_and_a_ttc_price_on_one_row_are_not_a_conflict(tmp_path):
    assert rejected(read_layout(tmp_path, TWO_PRICES)) == []


# --- i. wholesale-and-retail.csv: a trade price and a shop price ---------------------------------------------------

def test_with_trade_and_shop_prices_the_shop_price_is_taken_by_default(tmp_path):
    assert valid_rows(read_layout(tmp_path, TRADE_AND_SHOP), "sku", "price") == [
        ("LAV-BQ-01", Decimal("7.50")),
        ("LAV-HE-10", Decimal("12.90")),
        ("SAV-LAV-100", Decimal("4.90")),
        ("MIE-LAV-250", Decimal("8.90")),
        ("BOU-LAV-180", Decimal("18.00")),
    ]


def test_the_manifest_names_the_shop_price_column(tmp_path):
    assert read_layout(tmp_path, TRADE_AND_SHOP).record["columns"]["price"]["column"] == "Prix boutique"


# --- j. sub-header-and-merged-cells.xlsx: groups given once, merged cells, a sub-header ---------------------------

def test_continuation_rows_take_their_groups_product_name(tmp_path):
    assert valid_rows(read_layout(tmp_path, SUB_HEADER), "source_row", "title") == [
        (5, "Miel de lavande"),
        (6, "Miel de lavande"),
        (7, "Miel de romarin"),
        (8, "Miel de romarin"),
        (9, "Miel de romarin"),
        (10, "Miel de châtaignier"),
        (11, "Miel de châtaignier"),
    ]


def test_continuation_rows_keep_their_own_price(tmp_path):
    assert valid_rows(read_layout(tmp_path, SUB_HEADER), "source_row", "price") == [
        (5, Decimal("8.50")),
        (6, Decimal("14.00")),
        (7, Decimal("7.90")),
        (8, Decimal("13.20")),
        (9, Decimal("24")),
        (10, Decimal("8.20")),
        (11, Decimal("14.50")),
    ]


def test_net_content_is_read_from_the_container_text(tmp_path):
    assert valid_rows(read_layout(tmp_path, SUB_HEADER), "source_row", "net_content", "net_unit") == [
        (5, Decimal("250"), "g"),
        (6, Decimal("500"), "g"),
        (7, Decimal("250"), "g"),
        (8, Decimal("500"), "g"),
        (9, Decimal("1000"), "g"),                # Seau 1 kg
        (10, Decimal("250"), "g"),
        (11, Decimal("500"), "g"),
    ]


def test_the_title_and_the_sub_header_are_not_products(tmp_path):
    result = read_layout(tmp_path, SUB_HEADER)
    assert result.record["rows"] == 7
    assert rejected(result) == []


# --- k. bad-rows.csv: one bad row per rule ------------------------------------------------------------------------

@pytest.mark.parametrize(("source_row", "field", "rule"), [
    pytest.param(3, "price", "money_unreadable", id="price-on-request"),
    pytest.param(4, "price", "not_positive", id="negative-price"),
    pytest.param(5, "barcode", "gtin_check_digit", id="wrong-check-digit"),
    pytest.param(6, "sku", "duplicate", id="reference-first-seen"),
    pytest.param(8, "sku", "duplicate", id="reference-repeated"),
    pytest.param(9, "price", "required", id="empty-price"),
])
def test_a_bad_row_gets_exactly_its_rule_on_its_spreadsheet_row(tmp_path, source_row, field, rule):
    rejects = rejected(read_layout(tmp_path, BAD_ROWS))
    assert [(f, r) for row, f, r in rejects if row == source_row] == [(field, rule)]


def test_only_the_bad_rows_are_rejected(tmp_path):
    result = read_layout(tmp_path, BAD_ROWS)
    assert sorted({row for row, _, _ in rejected(result)}) == [3, 4, 5, 6, 8, 9]
    assert valid_rows(result, "source_row", "sku") == [(2, "SAV-LAV-100"), (7, "NOU-BLA-100"), (10, "LAV-BQT-01")]


# --- l. no-price-column.csv: a product list without prices --------------------------------------------------------

def test_a_sheet_without_a_price_column_is_quarantined(tmp_path):
    assert read_layout(tmp_path, NO_PRICE).record["status"] == "quarantined"


def test_the_quarantine_reason_names_the_missing_price_and_a_header_seen(tmp_path):
    error = read_layout(tmp_path, NO_PRICE).record["error"]
    assert "prix" in error.lower()
    assert any(header in error for header in ("Référence", "Désignation", "Catégorie", "Origine"))


def test_a_missing_price_column_is_one_reject_line_not_one_per_row(tmp_path):
    rejects = read_layout(tmp_path, NO_PRICE).rejects
    assert rejects[["field", "rule"]].values.tolist() == [["price", "missing_column"]]


# --- end to end -----------------------------------------------------------------------------------------------------

RUN_VENDORS = {"savonnerie-bastide": HINT_ROW, "mas-des-oliviers": SECTIONS, "epicerie-du-cours": TWO_PRICES,
               "comptoir-provencal": BAD_ROWS}
PUBLISHED_PRICES = {
    ("savonnerie-bastide", "000042"): Decimal("3.5"),
    ("savonnerie-bastide", "000043"): Decimal("3.9"),
    ("savonnerie-bastide", "000107"): Decimal("9.1"),
    ("savonnerie-bastide", "000108"): Decimal("8"),
    ("savonnerie-bastide", "000316"): Decimal("6.75"),
    ("mas-des-oliviers", "HO-AGL-50"): Decimal("14.50"),
    ("mas-des-oliviers", "HO-AGL-100"): Decimal("26.00"),
    ("mas-des-oliviers", "HO-FRU-50"): Decimal("16.80"),
    ("mas-des-oliviers", "HO-FRU-300"): Decimal("72.00"),
    ("mas-des-oliviers", "TAP-NOI-90"): Decimal("5.20"),
    ("mas-des-oliviers", "TAP-NOI-200"): Decimal("9.00"),
    ("mas-des-oliviers", "TAP-VER-90"): Decimal("5.20"),
    ("mas-des-oliviers", "TAP-TOM-90"): Decimal("5.60"),
    ("epicerie-du-cours", "MIE-LAV-250"): Decimal("6.00"),
    ("epicerie-du-cours", "MIE-LAV-500"): Decimal("10.00"),
    ("epicerie-du-cours", "HUI-VE-75"): Decimal("20.00"),
    ("epicerie-du-cours", "CAL-AIX-100"): Decimal("4.00"),
    ("epicerie-du-cours", "SAV-MAR-100"): Decimal("3.75"),
    ("epicerie-du-cours", "SAV-LAV-100"): Decimal("4.50"),
    ("epicerie-du-cours", "DIF-LAV-100"): Decimal("12.50"),
    ("comptoir-provencal", "SAV-LAV-100"): Decimal("4.90"),
    ("comptoir-provencal", "NOU-BLA-100"): Decimal("4.80"),
    ("comptoir-provencal", "LAV-BQT-01"): Decimal("7.50"),
}


def test_a_run_over_these_layouts_publishes_every_good_row_at_its_exact_price(tmp_path, shared_dir):
    from pipeline.extract.translators import make_translator
    from tests.fakes.translation_servers import LibreTranslateServer, fake_chinese

    for vendor, name in RUN_VENDORS.items():
        drop(tmp_path, name, vendor)
    with LibreTranslateServer(credential="k", translate=fake_chinese) as server:
        client = make_translator("libre", {"LIBRETRANSLATE_URL": server.url, "LIBRE_API_KEY": "k"})
        summary = run(str(tmp_path / "intake"), str(tmp_path / "out"), str(tmp_path / "state.db"), DAY,
                      translator_client=client)
    manifest, folder = summary.manifest, Path(summary.folder)
    inputs = {item["vendor_id"]: item for item in manifest["inputs"]}

    assert manifest["rows_in"] == manifest["rows_published"] + manifest["rows_rejected"] + manifest["rows_pending"]
    assert {v: i["rows"] for v, i in inputs.items()} == {
        v: i["rows_rejected"] + i["rows_pending"] + i["rows_published"] for v, i in inputs.items()}
    # product rows only: 6 + 8 + 7 + 9; the 9 skipped lines of the price list with sections are not rows_in
    assert {v: i["rows"] for v, i in inputs.items()} == {
        "savonnerie-bastide": 6, "mas-des-oliviers": 8, "epicerie-du-cours": 7, "comptoir-provencal": 9}
    assert inputs["mas-des-oliviers"]["rows_skipped"] > 0
    assert (manifest["rows_in"], manifest["rows_published"], manifest["rows_rejected"]) == (30, 23, 7)

    feed = pq.read_table(folder / "tmall_upload.parquet", columns=["vendor_id", "sku", "source_price"]).to_pylist()
    assert {(row["vendor_id"], row["sku"]): row["source_price"] for row in feed} == PUBLISHED_PRICES

    spec = importlib.util.spec_from_file_location("check_feed", shared_dir / "checks" / "check_feed.py")
    check_feed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_feed)
    assert check_feed.check(folder) == []
