"""End-to-end runs of pipeline.run on the samples, the real third-party exports and broken sheets."""
import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.run import run

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "intake"
DAY = dt.date(2026, 11, 1)   # a Sunday: priced at Friday 2026-10-30, the newest rate shipped offline


def _run(intake, tmp_path, day=DAY):
    summary = run(str(intake), str(tmp_path / "out"), str(tmp_path / "state.db"), day)
    folder = Path(summary.folder)
    rejects = pd.read_csv(folder / "rejects.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return summary.manifest, rejects, folder


def _assert_accounted(manifest):
    assert manifest["rows_in"] == manifest["rows_published"] + manifest["rows_rejected"] + manifest["rows_pending"]
    assert sum(i["rows"] for i in manifest["inputs"]) == manifest["rows_in"]
    for item in manifest["inputs"]:
        assert item["rows"] == item["rows_rejected"] + item["rows_pending"] + item["rows_published"], item


# One product per sample vendor, from its sheet's cell to the feed's price_cny, written out. ECB rates of Friday
# 2026-10-30 (a Sunday run): 7.4326 CNY and 0.9194 CHF per euro. VAT from config/vat.yaml, removed from TTC prices;
# one ROUND_HALF_UP to the fen at the end.
PINNED_PRICES = {
    # confectionery 5.5 %, TTC: 9.50 / 1.055 x 7.4326 = 66.9286…
    "CTA-CAL-100": ("9.50 EUR", "66.93"),
    # food 5.5 %, TTC: 6.20 / 1.055 x 7.4326 = 43.6797…
    "JB-ABLAV-220": ("6.20 EUR", "43.68"),
    # essential oil, HT, in francs: 18.90 x 7.4326 / 0.9194 = 152.7911…
    "HB-COFF-HE-3X10": ("18.90 CHF", "152.79"),
    # food, HT: 5.90 x 7.4326 = 43.8523…
    "MQB-ANCH-90": ("5.90 EUR", "43.85"),
    # soap 20 %, TTC: 6.90 / 1.20 x 7.4326 = 42.7374…
    "SVL-ANE-100": ("6.90 EUR", "42.74"),
}


def test_one_price_per_sample_vendor_is_the_amount_worked_out_by_hand(tmp_path):
    """As `make demo` runs: the merchandisers' reviewed translations imported, then the night's run."""
    from pipeline.extract.tm_import import read_memory_file
    from pipeline.load.state import StateStore
    from pipeline.load.translation_memory import TranslationMemory

    entries, _ = read_memory_file(str(SAMPLES.parent / "reviewed_translations.csv"))
    TranslationMemory(StateStore.open(str(tmp_path / "state.db")).engine).store(entries)
    _, _, folder = _run(SAMPLES, tmp_path)
    feed = pd.read_parquet(folder / "tmall_upload.parquet").set_index("sku")
    csv_feed = pd.read_csv(folder / "tmall_upload.csv", encoding="utf-16", sep="\t", skiprows=[0, 2], dtype=str)
    assert len(PINNED_PRICES) == feed["vendor_id"].nunique() == 5
    for sku, (source, price_cny) in PINNED_PRICES.items():
        row = feed.loc[sku]
        amount, currency = source.split()
        assert (f"{row['source_price']:.2f}", row["source_currency"]) == (amount, currency), sku
        assert str(row["price_cny"]) == price_cny, sku
        assert csv_feed.loc[csv_feed["outer_id"].str.endswith(sku), "price"].tolist() == [price_cny], sku


def test_samples_are_all_processed_and_accounted(tmp_path):
    manifest, rejects, folder = _run(SAMPLES, tmp_path)
    _assert_accounted(manifest)
    assert {i["status"] for i in manifest["inputs"]} == {"processed"}
    assert len({i["vendor_id"] for i in manifest["inputs"]}) >= 4
    assert manifest["rows_rejected"] > 0 and manifest["rows_pending"] > 0
    assert set(rejects.columns) >= {"vendor_id", "source_file", "source_row", "sku", "field", "value", "rule",
                                    "message_fr", "message_en"}
    assert (rejects["message_fr"] != "").all() and (rejects["message_en"] != "").all()
    assert (folder / "tmall_upload.csv").exists() and (folder / "tmall_upload.parquet").exists()


def _contents(folder: Path) -> dict:
    """Every file's bytes; the manifest without its timings (the one thing a rerun may change)."""
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "manifest.json"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest.pop("stage_seconds")) >= {"extract_file", "localize_rows", "price_and_map", "publish_feed"}
    return {**files, "manifest.json": manifest}


def test_rerun_of_a_date_gives_identical_files(tmp_path):
    _, _, folder = _run(SAMPLES, tmp_path)
    first = _contents(folder)
    _, _, folder = _run(SAMPLES, tmp_path)
    assert _contents(folder) == first


@pytest.mark.slow
def test_vendors_read_localised_and_priced_by_two_processes_give_the_same_feed(tmp_path):
    _, _, folder = _run(SAMPLES, tmp_path / "one")
    summary = run(str(SAMPLES), str(tmp_path / "two" / "out"), str(tmp_path / "two" / "state.db"), DAY, workers=2)
    assert _contents(Path(summary.folder)) == _contents(folder)


def test_every_real_export_is_read_and_every_row_accounted(real_fixtures, tmp_path):
    intake = tmp_path / "intake"
    names = sorted(p.name for p in real_fixtures.iterdir() if p.suffix in (".csv", ".tsv")
                   and not p.name.startswith("ecb"))
    for name in names:
        vendor = intake / name.split("-")[0]
        vendor.mkdir(parents=True, exist_ok=True)
        shutil.copy(real_fixtures / name, vendor / name)
    manifest, rejects, _ = _run(intake, tmp_path)
    _assert_accounted(manifest)
    assert len(manifest["inputs"]) == len(names) == 11
    statuses = {Path(i["path"]).name: i["status"] for i in manifest["inputs"]}
    without_prices = {"off-export-products.tsv", "off-import_csv_file-test.tsv",          # product data bases,
                      "off-systemeu-akeneo-SUYQD_AKENEO_PU_02.csv",                       # not price lists
                      "prestashop-9.1-combinations_import.csv"}                           # options of products
    assert {n for n, status in statuses.items() if status != "processed"} == without_prices, statuses
    told = rejects[rejects["rule"] == "missing_column"]           # one line per file and missing field
    assert set(zip(told["source_file"].map(lambda f: Path(f).name), told["field"], strict=True)) == {
        *((name, "price") for name in without_prices), ("prestashop-9.1-combinations_import.csv", "title")}
    assert len(told) == 5 and (told["source_row"] == "0").all()
    by_file = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert by_file["shopify-product_template-2023.csv"]["platform"] == "shopify"
    assert by_file["woocommerce-8.3.1-sample_products.csv"]["platform"] == "woocommerce"
    mangled = rejects[rejects["rule"] == "gtin_scientific"]
    assert "shopify/shopify-product_template-2023.csv" in set(mangled["source_file"])


def test_broken_sheets_are_quarantined_without_stopping_the_others(tmp_path):
    intake = tmp_path / "intake" / "broken"
    intake.mkdir(parents=True)
    (intake / "empty.csv").write_bytes(b"")
    (intake / "header-only.csv").write_bytes("Référence;Désignation;Prix TTC\r\n".encode("cp1252"))
    (intake / "binary.csv").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)))
    (intake / "good.csv").write_bytes(
        "Référence;Désignation;Prix TTC;Code EAN\r\nSAV-1;Savon de Marseille;4,20 €;\r\n"
        "SAV-2;Savon au miel;sur demande;\r\nSAV-3;Savon;NaN;\r\nSAV-4;Savon;-5;\r\nSAV-5;Savon;1e30;\r\n"
        "SAV-6;Savon;0,123456;\r\n"
        .encode("cp1252"))
    (tmp_path / "intake" / "stray.csv").write_text("sku,title\n1,x\n")
    manifest, rejects, _ = _run(tmp_path / "intake", tmp_path)
    _assert_accounted(manifest)
    status = {i["path"]: i for i in manifest["inputs"]}
    for name in ("broken/empty.csv", "broken/header-only.csv", "broken/binary.csv", "stray.csv"):
        assert status[name]["status"] == "quarantined" and status[name]["error"], name
    assert status["broken/good.csv"]["status"] == "processed"
    good = status["broken/good.csv"]
    assert good["rows"] == 6 and good["rows_rejected"] == 5 and good["rows_published"] == 1  # glossary title
    rules = dict(zip(rejects["sku"], rejects["rule"], strict=True))
    assert rules == {"SAV-2": "money_unreadable", "SAV-3": "money_not_a_number", "SAV-4": "not_positive",
                     "SAV-5": "above_max", "SAV-6": "too_many_decimals"}
    assert json.loads((Path(tmp_path / "out" / DAY.isoformat()) / "manifest.json").read_text())["rows_in"] == 6


def test_the_published_folder_passes_the_independent_feed_check(shared_dir, tmp_path):
    import subprocess
    import sys

    _, _, folder = _run(SAMPLES, tmp_path)
    check = subprocess.run([sys.executable, str(shared_dir / "checks" / "check_feed.py"), str(folder)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def _feed_rows(folder):
    import pyarrow.parquet as pq

    return pq.read_table(folder / "tmall_upload.parquet").to_pandas().set_index("sku")


def test_delta_publishes_only_what_changed_or_left_and_reruns_identically(tmp_path):
    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES / "lavande-des-hautes-bastides", intake / "lavande-des-hautes-bastides")
    sheet = intake / "lavande-des-hautes-bastides" / "utf8-distributor-traditional-chinese.csv"
    state, out = str(tmp_path / "state.db"), str(tmp_path / "out")
    # Saturday, Sunday and Monday after 2026-10-30, the newest rate shipped offline: the same CNY prices
    full = run(str(intake), out, state, dt.date(2026, 10, 31))
    assert full.manifest["changes"]["new"] == full.manifest["rows_published"] == 7

    quiet = run(str(intake), out, state, dt.date(2026, 11, 1), mode="delta")
    # one row waits for a translation, so the vendor is read again every night (never skipped)
    assert quiet.manifest["changes"] == {"new": 0, "changed": 0, "unchanged": 7, "withdrawn": 0, "rows_in_feed": 0,
                                         "vendors_skipped": 0}
    assert quiet.manifest["rows_published"] == 7 and _feed_rows(Path(quiet.folder)).empty

    lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("HB-HYD-LAV-200,")]
    sheet.write_text("".join(kept).replace(",8.20,EUR,", ",8.40,EUR,"), encoding="utf-8")
    delta = run(str(intake), out, state, dt.date(2026, 11, 2), mode="delta")
    assert delta.manifest["changes"]["withdrawn"] == 1 and delta.manifest["changes"]["changed"] == 1
    feed = _feed_rows(Path(delta.folder))
    assert set(feed.index) == {"HB-HYD-LAV-200", "HB-HE-ASPIC-10"}
    assert feed.loc["HB-HYD-LAV-200", "stock"] == 0
    last_published = _feed_rows(Path(full.folder)).loc["HB-HYD-LAV-200"]       # rebuilt from the catalogue
    same = feed.loc["HB-HYD-LAV-200"].drop(["stock", "description_zh"])
    assert same.equals(last_published.drop(["stock", "description_zh"]))
    first = {p.name: p.read_bytes() for p in Path(delta.folder).iterdir() if p.name != "manifest.json"}
    again = run(str(intake), out, state, dt.date(2026, 11, 2), mode="delta")
    assert {p.name: p.read_bytes() for p in Path(again.folder).iterdir() if p.name != "manifest.json"} == first
    assert again.manifest["changes"] == delta.manifest["changes"]


def _vendor_sheet(intake: Path, vendor: str, text: str) -> None:
    (intake / vendor).mkdir(parents=True, exist_ok=True)
    (intake / vendor / "tarifs.csv").write_text(text, encoding="utf-8")


def test_with_a_libre_translator_every_good_row_publishes_and_a_rerun_sends_nothing(tmp_path):
    from pipeline.extract.translators import make_translator
    from tests.fakes.translation_servers import TOO_MANY_REQUESTS, LibreTranslateServer, fake_chinese

    intake = tmp_path / "intake"
    _vendor_sheet(intake, "miellerie", "Référence;Désignation;Description;Prix HT;Contenance\n"
                  "M1;Miel de lavande;Récolté sur le plateau.\\nPot en verre.;8,50;250 g\n"
                  "M2;Miel de châtaignier;Récolté sur le plateau.;9,00;250 g\n"
                  "M3;Miel de romarin;;sur demande;250 g\n".replace("\\n", "\n").replace(
                      "Récolté sur le plateau.\nPot en verre.", '"Récolté sur le plateau.\nPot en verre."'))
    with LibreTranslateServer(credential="k", translate=fake_chinese) as server:
        server.script(TOO_MANY_REQUESTS)
        client = make_translator("libre", {"LIBRETRANSLATE_URL": server.url, "LIBRE_API_KEY": "k"},
                                 sleep=lambda _s: None)
        first = run(str(intake), str(tmp_path / "out"), str(tmp_path / "s.db"), DAY, translator_client=client)
        sent = list(server.texts)
        again = run(str(intake), str(tmp_path / "out"), str(tmp_path / "s.db"), DAY,
                    translator_client=make_translator("libre", {"LIBRETRANSLATE_URL": server.url,
                                                                "LIBRE_API_KEY": "k"}))
        assert server.texts == sent
    # "Miel de lavande" is a glossary term (薰衣草蜂蜜): it never reaches the engine
    assert sorted(set(sent)) == ["Miel de châtaignier", "Pot en verre.", "Récolté sur le plateau."]
    assert len(sent) == len(set(sent)) + 1                         # one request again after the 429
    assert first.manifest["rows_published"] == 2 and first.manifest["rows_rejected"] == 1
    assert first.manifest["translation"]["mt_calls"] >= len(sent)
    assert again.manifest["translation"]["mt_calls"] == 0 and again.manifest["rows_published"] == 2


def test_pending_rows_publish_once_their_translations_are_imported(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app
    from tests.fakes.translation_servers import fake_chinese

    intake, state = tmp_path / "intake", str(tmp_path / "s.db")
    _vendor_sheet(intake, "savonnerie", "sku,title,description,price,net_content\n"
                  "S1,Savon au lait d'ânesse,Doux pour les peaux sensibles.,6.50,100 g\n"
                  "S2,Savon à la verveine,Parfum frais.,5.90,100 g\n")
    first = run(str(intake), str(tmp_path / "out"), state, DAY)
    assert first.manifest["rows_pending"] == 2 and first.manifest["rows_published"] == 0
    pending = Path(first.folder) / "pending_translation.csv"
    table = pd.read_csv(pending, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    table["target"] = table["source"].map(fake_chinese)
    table.to_csv(tmp_path / "reviewed.csv", index=False, encoding="utf-8-sig")
    imported = CliRunner().invoke(app, ["tm", "import", str(tmp_path / "reviewed.csv"), "--state", state])
    assert imported.exit_code == 0, imported.output
    second = run(str(intake), str(tmp_path / "out"), state, DAY)
    assert second.manifest["rows_pending"] == 0 and second.manifest["rows_published"] == 2
    assert second.manifest["translation"]["tm_hits"] == len(table)


def test_traditional_chinese_from_a_distributor_is_published_as_upstream_opencc_expects(real_fixtures, tmp_path):
    import csv
    import io
    import re

    cases = json.loads(re.sub(r",(\s*[\]}])", r"\1", (real_fixtures / "opencc-testcases.json").read_text()))
    t2s = [(c["input"], c["expected"]["t2s"]) for c in cases["cases"] if "t2s" in c["expected"]]
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["sku", "title", "price", "title_zh", "description_zh"])
    writer.writerows([f"T{i}", f"Savon {i}", f"{i + 5}.00", f"香皂{i}", source] for i, (source, _) in enumerate(t2s))
    _vendor_sheet(tmp_path / "intake", "distributeur", sheet.getvalue())
    summary = run(str(tmp_path / "intake"), str(tmp_path / "out"), str(tmp_path / "s.db"), DAY)
    feed = _feed_rows(Path(summary.folder))
    assert summary.manifest["rows_published"] == len(t2s) == 55
    for i, (_, expected) in enumerate(t2s):
        paragraphs = "".join(f"<p>{line}</p>" for line in expected.split("\n"))
        assert feed.loc[f"T{i}", "description_zh"].replace("&amp;", "&") == paragraphs, (i, expected)


@pytest.mark.slow
def test_killing_a_run_at_any_moment_leaves_a_whole_feed(tmp_path):
    """SIGKILL a rerun at several moments: the date's folder is always one whole feed, the old or the new."""
    import hashlib
    import os
    import signal
    import subprocess
    import sys
    import time

    intake, out, state = tmp_path / "intake", tmp_path / "out", str(tmp_path / "s.db")
    shutil.copytree(SAMPLES, intake)
    _run(intake, tmp_path)                                   # the previous feed, in tmp_path/out
    shutil.rmtree(intake / "moulin-des-quatre-bories")       # the new one will differ
    command = [sys.executable, "-m", "pipeline", "run", "--intake", str(intake), "--out", str(out),
               "--state", state, "--date", DAY.isoformat(), "-q"]
    env = {**os.environ, "EPROVENCE_ECB_REFRESH": "0"}
    for delay in (0.5, 2.0, 3.5, 5.0, 6.5):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        folder = out / DAY.isoformat()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["outputs"]
        for output in manifest["outputs"]:
            digest = hashlib.sha256((folder / output["path"]).read_bytes()).hexdigest()
            assert digest == output["sha256"], (delay, output["path"])
        assert manifest["rows_in"] in (52, 44), delay


def test_a_sku_in_two_files_of_a_vendor_is_published_from_the_newest(tmp_path):
    import os

    intake = tmp_path / "intake"
    _vendor_sheet(intake, "savonnerie", "sku,title,price\nS1,Savon de Marseille,4.00\nS2,Savon de Marseille,5.00\n")
    newer = intake / "savonnerie" / "mise-a-jour.csv"
    newer.write_text("sku,title,price\nS1,Savon de Marseille,4.50\n", encoding="utf-8")
    os.utime(intake / "savonnerie" / "tarifs.csv", (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_800_000_000, 1_800_000_000))
    manifest, rejects, folder = _run(intake, tmp_path)
    _assert_accounted(manifest)
    assert manifest["rows_published"] == 2 and manifest["rows_rejected"] == 1
    assert rejects[["source_file", "sku", "rule"]].values.tolist() == [["savonnerie/tarifs.csv", "S1", "superseded"]]
    assert _feed_rows(folder).loc["S1", "source_price"] == pytest.approx(4.5)


def test_a_distributor_sheet_with_chinese_headers_only_publishes(tmp_path):
    _vendor_sheet(tmp_path / "intake", "distrib", "sku,商品名称,商品描述,价格,币种,净含量,条形码,库存\n"
                  "D1,普羅旺斯薰衣草香皂,手工製作，冷製皂。,6.5,EUR,100g,3760123450072,30\n"
                  'D3,薰衣草精油,,"15,00",CHF,10 ml,3760123450096,10\n')
    manifest, rejects, folder = _run(tmp_path / "intake", tmp_path)
    assert manifest["rows_published"] == 2, rejects.to_dict("records")
    feed = _feed_rows(folder)
    assert "普罗旺斯薰衣草香皂" in feed.loc["D1", "title_zh"]
    assert feed.loc["D1", "description_zh"] == "<p>手工制作，冷制皂。</p>"
    assert feed.loc["D3", "source_currency"] == "CHF"


@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_cells_never_stop_the_run_and_the_feed_stays_valid(seed, tmp_path, shared_dir):
    """Formula-like, emoji, control, huge, Traditional and malformed cells mixed into a French sheet."""
    import csv
    import io
    import random
    import subprocess
    import sys

    rng = random.Random(seed)
    hostile = ["", " ", "=1+1", "+33", "-5", "@x", "\t", "NaN", "1e30", "sur demande", "😀😀", "𠀀", "x" * 300,
               "<b>gras</b>", "&amp;", '"cité"', "3.76E+12", "abc", "9" * 40, "31/12/2020", "XOF", "'", "a;b",
               "\u200b", "ﬁ", "普羅旺斯"]
    sheet = io.StringIO()
    writer = csv.writer(sheet, delimiter=";")
    writer.writerow(["Référence", "Désignation", "Description", "Prix TTC", "Contenance", "Stock", "DDM", "Devise",
                     "Marque", "title_zh"])
    for i in range(120):
        good = [f"R{i}", rng.choice(["Savon de Marseille", "😀 savon", "=cmd", "x" * 300]),
                rng.choice(["", "Beau.\nBon.", "@maison"]), "12,50", "100 g", rng.choice(["", "3"]),
                rng.choice(["", "24 mois"]), rng.choice(["", "EUR", "CHF"]), rng.choice(["", "=X"]),
                rng.choice(["", "皂", "=皂"])]
        writer.writerow([cell if rng.random() < 0.85 else rng.choice(hostile) for cell in good])
    _vendor_sheet(tmp_path / "intake", "v", sheet.getvalue())
    manifest, _, folder = _run(tmp_path / "intake", tmp_path)
    _assert_accounted(manifest)
    assert manifest["rows_in"] == 120 and manifest["rows_published"] > 0 and manifest["rows_rejected"] > 0
    check = subprocess.run([sys.executable, str(shared_dir / "checks" / "check_feed.py"), str(folder)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


RIGHTLY_REJECTED = {"duplicate", "gtin_check_digit", "not_positive"}   # what SOURCES.md calls right to reject


def test_real_french_sheets_are_read_as_their_sources_say(shared_dir, tmp_path):
    """../shared/fixtures/real-fr: ten sheets of small French firms and tools, each with the number of products a
    right reading yields (expected.json). Every sheet with prices publishes at least 90 % of them, rows rightly
    rejected aside (duplicated codes, bad barcodes, a zero price); the list without prices gets one reason."""
    from pipeline.extract.translators import make_translator
    from tests.fakes.translation_servers import LibreTranslateServer, fake_chinese

    corpus = shared_dir / "fixtures" / "real-fr"
    expected = {k: v for k, v in json.loads((corpus / "expected.json").read_text()).items() if not k.startswith("_")}
    assert len(expected) >= 10
    for name in expected:
        vendor, file = name.split("__", 1)
        (tmp_path / "intake" / vendor).mkdir(parents=True)
        shutil.copy(corpus / name, tmp_path / "intake" / vendor / file)
    with LibreTranslateServer(credential="k", translate=fake_chinese) as server:
        client = make_translator("libre", {"LIBRETRANSLATE_URL": server.url, "LIBRE_API_KEY": "k"})
        summary = run(str(tmp_path / "intake"), str(tmp_path / "out"), str(tmp_path / "s.db"), DAY,
                      translator_client=client)
    manifest = summary.manifest
    _assert_accounted(manifest)
    rejects = pd.read_csv(Path(summary.folder) / "rejects.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    by_vendor = {i["vendor_id"]: i for i in manifest["inputs"]}
    for name, products in expected.items():
        record = by_vendor[name.split("__", 1)[0]]
        if products == 0:
            told = rejects[rejects["source_file"] == record["path"]]
            assert record["status"] == "quarantined" and told["rule"].tolist() == ["missing_column"], name
            continue
        right = rejects[(rejects["source_file"] == record["path"]) & rejects["rule"].isin(RIGHTLY_REJECTED)]
        right_rows = right["source_row"].nunique()
        assert record["rows"] == products, (name, record["rows"])
        assert record["rows_published"] >= 0.9 * (products - right_rows), (name, record)
    feed = pd.read_parquet(Path(summary.folder) / "tmall_upload.parquet", columns=["vendor_id", "sku", "sku_derived"])
    derived = feed.groupby("vendor_id")["sku_derived"].all()
    assert derived["audecreativestuff"] and not derived["ceramika-iabako"]     # no reference column; a Code


def test_a_file_that_stops_its_reader_costs_only_that_file(tmp_path):
    """The reading of each file runs in a child process with a memory limit (here lowered to 40 MiB): a file that
    needs more is quarantined with the reason, the others are published. The run is a fresh `eprovence run`: a
    forked reader may also use the memory its parent holds free, which a long test process has plenty of."""
    import os
    import subprocess
    import sys

    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES, intake)
    sheet = intake / "savonnerie-du-vieux-lavoir" / "beaucoup-trop-grand.csv"
    sheet.write_text("Référence;Désignation;Prix HT;Contenance\n" + "".join(
        f"SAV-{n:06d};Savon n° {n} au lait d'ânesse et à la lavande;{4 + n % 9},50;100 g\n" for n in range(150_000)),
        encoding="utf-8")
    command = [sys.executable, "-m", "pipeline", "run", "--intake", str(intake), "--out", str(tmp_path / "out"),
               "--state", str(tmp_path / "state.db"), "--date", DAY.isoformat()]
    done = subprocess.run(command, env={**os.environ, "EPROVENCE_READER_MEMORY_MIB": "40"}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "out" / DAY.isoformat()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    _assert_accounted(manifest)
    inputs = {i["path"]: i for i in manifest["inputs"]}
    stopped = inputs["savonnerie-du-vieux-lavoir/beaucoup-trop-grand.csv"]
    assert stopped["status"] == "quarantined" and "40 MiB" in stopped["error"] and stopped["rows"] == 0
    assert {i["status"] for path, i in inputs.items() if path != stopped["path"]} == {"processed"}
    assert manifest["rows_in"] == 52 and (folder / "tmall_upload.csv").exists()
