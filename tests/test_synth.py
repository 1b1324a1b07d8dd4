"""The synthetic intake generator: deterministic sheets in the real dialects, counted bad rows, and a
translations.csv that covers every text so that a run with a warm memory needs no translator."""
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.extract.readers import read_sheet
from pipeline.extract.tm_import import read_memory_file
from pipeline.load.state import StateStore
from pipeline.load.translation_memory import TranslationMemory
from pipeline.run import run
from pipeline.transform.segments import copied_source_words
from pipeline.transform.segments_text import normalise_segment
from synth import generator as synth

ROWS, VENDORS, SEED = 3000, 4, 11
RUN_DAY = dt.date(2026, 11, 1)   # priced at 2026-10-30, the newest ECB rate shipped offline (EUR and CHF)
DIALECT_OF = {dialect.file_name: dialect for dialect in synth.DIALECTS}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]{4,}")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[synth.SynthSummary, Path]:
    out = tmp_path_factory.mktemp("synth")
    return synth.generate(ROWS, VENDORS, SEED, out), out


@pytest.fixture(scope="module")
def sheets(generated) -> dict[str, pd.DataFrame]:
    """Each written file read back by the pipeline's own reader (no profile), columns named canonically."""
    summary, out = generated
    frames = {}
    for relative in summary.files:
        dialect = DIALECT_OF[Path(relative).name]
        sheet = read_sheet((out / relative).read_bytes(), relative)
        assert (sheet.encoding, sheet.delimiter, sheet.header_row) == (dialect.encoding, dialect.delimiter, 1)
        frames[relative] = sheet.frame.rename(columns={v: k for k, v in dialect.headers.items()})
    return frames


def _cells(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna("")


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    def written(folder: Path) -> dict[str, bytes]:
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}

    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        synth.generate(500, 3, seed, tmp_path / name)
    assert written(tmp_path / "a") == written(tmp_path / "b")
    assert written(tmp_path / "a") != written(tmp_path / "c")


def test_rows_are_shared_among_one_folder_per_vendor(generated, sheets):
    summary, out = generated
    assert summary.rows == ROWS and len(summary.files) == VENDORS
    vendor_folders = {Path(relative).parts[1] for relative in summary.files}
    assert len(vendor_folders) == VENDORS
    assert {p.name for p in (out / "intake").iterdir()} == vendor_folders
    assert all(Path(relative).parts[0] == "intake" for relative in summary.files)
    assert {relative: len(frame) for relative, frame in sheets.items()} == summary.files


def test_skus_are_unique_per_vendor_and_eans_have_their_check_digit(sheets):
    assert len(sheets) == VENDORS
    for frame in sheets.values():
        assert frame["sku"].is_unique
        eans = _cells(frame, "barcode")
        eans = eans[~eans.str.contains("E+", regex=False)]
        assert eans.str.fullmatch(r"376\d{10}").all()
        digits = np.array([list(map(int, ean)) for ean in eans])
        weights = np.array([1, 3] * 6 + [1])
        assert ((digits * weights).sum(axis=1) % 10 == 0).all()


def test_ean13_appends_the_gs1_check_digit():
    # data/samples/make_samples.py: ean13("376099124001") is the soap sample's 3760991240010.
    assert synth.ean13(np.array([376099124001, 376099124002])).tolist() == [3760991240010, 3760991240027]


def test_french_excel_and_utf8_dialects_are_both_written(generated, sheets):
    summary, out = generated
    names = [Path(relative).name for relative in summary.files]
    assert names.count("cp1252-semicolon-ttc.csv") == VENDORS // 2
    assert {"utf8-comma-price-currency.csv", "utf8-bom-comma-prix-ht.csv"} <= set(names)
    assert sheets
    for relative, frame in sheets.items():
        good = _cells(frame, "price")[lambda prices: prices != "sur demande"]
        raw = (out / relative).read_bytes()
        if DIALECT_OF[Path(relative).name].french_money:
            assert b"\r\n" in raw and "€".encode("cp1252") in raw
            assert good.str.fullmatch(r"\d{1,3}(\u00a0\d{3})*,\d{2}[\u00a0 ]€").all()
        else:
            assert good.str.fullmatch(r"\d+\.\d{2}").all()
            assert set(frame["currency"]) <= {"EUR", "CHF"}


def test_prices_are_written_as_french_excel_or_plain_decimals():
    cents = np.array([123450, 420, 123450])
    french = "1\u00a0234,50\u00a0€", "4,20\u00a0€", "1\u00a0234,50\u00a0€"
    assert synth.format_prices(cents, True).tolist() == list(french)
    assert synth.format_prices(cents, True, " ").tolist()[1] == "4,20 €"
    assert synth.format_prices(cents, False).tolist() == ["1234.50", "4.20", "1234.50"]


def test_a_sheet_written_in_several_chunks_has_one_header_and_every_row(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "CHUNK_ROWS", 40)
    summary = synth.generate(900, 3, 5, tmp_path)
    assert len(summary.files) == 3
    for relative, rows in summary.files.items():
        assert rows > 40
        raw = (tmp_path / relative).read_bytes()
        sheet = read_sheet(raw, relative)
        assert sheet.raw_rows == len(sheet.frame) == rows
        assert sheet.frame["source_row"].tolist() == list(range(2, rows + 2))
        with_bom = DIALECT_OF[Path(relative).name].encoding == "utf-8-sig"
        assert raw.count("\ufeff".encode()) == (1 if with_bom else 0)


def test_bad_rows_carry_one_counted_fault_each(generated, sheets):
    summary, _ = generated
    rows = pd.concat(sheets.values(), ignore_index=True)
    found = {"money_unreadable": _cells(rows, "price") == "sur demande",
             "gtin_scientific": _cells(rows, "barcode").str.fullmatch(r"3[,.]\d+E\+12"),
             "below_min": _cells(rows, "stock").str.startswith("-"),
             "shelf_life_too_short": _cells(rows, "shelf_life").str.fullmatch(r"3 (mois|months)")}
    assert {rule: int(flags.sum()) for rule, flags in found.items()} == summary.bad_rows
    assert int(pd.concat(found, axis=1).sum(axis=1).max()) == 1
    assert 0.002 * ROWS <= summary.bad_rows_total <= 0.01 * ROWS


def test_translations_cover_every_title_paragraph_and_ingredient_list(generated, sheets):
    summary, out = generated
    memory = pd.read_csv(out / synth.TRANSLATIONS_FILE, dtype=str, keep_default_na=False)
    assert list(memory.columns) == ["source", "target"]
    assert memory["source"].is_unique and (memory["source"].map(normalise_segment) == memory["source"]).all()
    rows = pd.concat(sheets.values(), ignore_index=True)
    paragraphs = rows["description"].str.split("\n").explode()
    texts = pd.concat([rows["title"], paragraphs, rows["ingredients"].dropna()]).map(normalise_segment)
    assert set(texts) == set(memory["source"])
    assert len(memory) == summary.distinct_texts
    assert 100 < rows["title"].nunique() < len(rows)


def test_translations_are_chinese_and_keep_no_french_word(generated):
    _, out = generated
    memory = pd.read_csv(out / synth.TRANSLATIONS_FILE, dtype=str, keep_default_na=False)
    assert memory["target"].str.contains(CJK).all()
    assert not memory["target"].str.contains(LATIN_WORD).any()
    assert not copied_source_words(memory["source"], memory["target"], set(), 4).any()


def test_every_catalogue_text_is_chinese_and_every_french_text_fits_cp1252():
    catalogue = synth.build_catalogue(np.random.default_rng(0))
    terms = catalogue.titles + catalogue.paragraphs + catalogue.ingredients
    assert all(CJK.search(term.zh) and not LATIN_WORD.search(term.zh) for term in terms)
    "\n".join(term.fr for term in terms).encode("cp1252")


@pytest.mark.parametrize("rows, vendors, seed", [(2, 3, 1), (10, 0, 1), (10, 2, -1)])
def test_impossible_requests_are_refused(tmp_path, rows, vendors, seed):
    with pytest.raises(ValueError):
        synth.generate(rows, vendors, seed, tmp_path)


@pytest.mark.slow
def test_a_run_with_the_generated_memory_needs_no_translator(tmp_path):
    summary = synth.generate(2000, 3, 7, tmp_path / "synth")
    state = str(tmp_path / "state.db")
    entries, skipped = read_memory_file(str(tmp_path / "synth" / synth.TRANSLATIONS_FILE))
    assert skipped == 0 and TranslationMemory(StateStore.open(state).engine).store(entries) == len(entries)
    result = run(str(tmp_path / "synth" / "intake"), str(tmp_path / "out"), state, RUN_DAY)
    manifest = result.manifest
    assert manifest["rows_in"] == 2000
    assert manifest["rows_rejected"] == summary.bad_rows_total
    assert manifest["rows_pending"] == 0
    rejects = pd.read_csv(Path(result.folder) / "rejects.csv", encoding="utf-8-sig", dtype=str)
    per_rule = rejects.drop_duplicates(["source_file", "source_row"]).groupby("rule").size().to_dict()
    assert per_rule == {rule: count for rule, count in summary.bad_rows.items() if count}
    assert manifest["translation"]["tm_hits"] == manifest["translation"]["segments"] > 0
    assert manifest["translation"]["mt_calls"] == 0
    pending = pd.read_csv(Path(result.folder) / "pending_translation.csv", encoding="utf-8-sig", dtype=str)
    assert pending.empty
