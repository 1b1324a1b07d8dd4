"""pipeline.steps: delta runs skip unchanged vendors (with pipeline.load.vendor_cache); work done in chunks or
in several processes gives the same feed."""
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from pipeline.run import run

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "intake"
SOAPS, OILS = "savonnerie-du-vieux-lavoir", "moulin-des-quatre-bories"


@pytest.fixture
def two_vendors(tmp_path) -> Path:
    """Two sample vendors, with the reviewed translations in the memory so that nothing is left pending."""
    from pipeline.extract.tm_import import read_memory_file
    from pipeline.load.state import StateStore
    from pipeline.load.translation_memory import TranslationMemory

    intake = tmp_path / "intake"
    for vendor in (SOAPS, OILS):
        shutil.copytree(SAMPLES / vendor, intake / vendor)
    entries, _ = read_memory_file(str(SAMPLES.parent / "reviewed_translations.csv"))
    TranslationMemory(StateStore.open(str(tmp_path / "state.db")).engine).store(entries)
    return intake


def _statuses(manifest: dict) -> dict[str, str]:
    return {rec["vendor_id"]: rec["status"] for rec in manifest["inputs"]}


def test_a_delta_run_skips_unchanged_vendors_and_accounts_for_their_rows(two_vendors, tmp_path):
    out, state = str(tmp_path / "out"), str(tmp_path / "state.db")
    full = run(str(two_vendors), out, state, dt.date(2026, 10, 31))
    quiet = run(str(two_vendors), out, state, dt.date(2026, 11, 1), mode="delta")
    assert _statuses(quiet.manifest) == {SOAPS: "skipped", OILS: "skipped"}
    for key in ("rows_in", "rows_published", "rows_rejected", "rows_pending"):
        assert quiet.manifest[key] == full.manifest[key]
    assert quiet.manifest["changes"] == {"new": 0, "changed": 0, "unchanged": full.manifest["rows_published"],
                                         "withdrawn": 0, "rows_in_feed": 0, "vendors_skipped": 2}
    rejects = (Path(quiet.folder) / "rejects.csv").read_bytes()
    assert rejects == (Path(full.folder) / "rejects.csv").read_bytes()      # vendors still see what is wrong
    assert full.manifest["inputs"]
    for rec_full, rec_quiet in zip(full.manifest["inputs"], quiet.manifest["inputs"], strict=True):
        assert {**rec_full, "status": "skipped"} == rec_quiet


def test_a_changed_file_is_read_again_and_only_its_vendor(two_vendors, tmp_path):
    out, state = str(tmp_path / "out"), str(tmp_path / "state.db")
    run(str(two_vendors), out, state, dt.date(2026, 10, 31))
    sheet = two_vendors / SOAPS / "cp1252-semicolon-ttc.csv"
    text = sheet.read_bytes()
    assert b";4,20" in text
    sheet.write_bytes(text.replace(b";4,20", b";4,40"))
    delta = run(str(two_vendors), out, state, dt.date(2026, 11, 1), mode="delta")
    assert _statuses(delta.manifest) == {SOAPS: "processed", OILS: "skipped"}
    assert delta.manifest["changes"]["changed"] >= 1


def test_a_rerun_of_the_date_that_stored_the_results_reads_everything(two_vendors, tmp_path):
    out, state = str(tmp_path / "out"), str(tmp_path / "state.db")
    first = run(str(two_vendors), out, state, dt.date(2026, 10, 31), mode="delta")
    again = run(str(two_vendors), out, state, dt.date(2026, 10, 31), mode="delta")
    assert set(_statuses(again.manifest).values()) == {"processed"}
    assert again.manifest["changes"] == first.manifest["changes"]


def test_imported_translations_make_every_vendor_read_again(two_vendors, tmp_path):
    from pipeline.load.state import StateStore
    from pipeline.load.translation_memory import TranslationMemory
    from pipeline.transform.tm_format import Entry

    out, state = str(tmp_path / "out"), str(tmp_path / "state.db")
    run(str(two_vendors), out, state, dt.date(2026, 10, 31))
    TranslationMemory(StateStore.open(state).engine).store(
        [Entry(source="savon", target="肥皂", status="approved", provider="import:test")])
    delta = run(str(two_vendors), out, state, dt.date(2026, 11, 1), mode="delta")
    assert set(_statuses(delta.manifest).values()) == {"processed"}


def test_a_full_run_never_skips(two_vendors, tmp_path):
    out, state = str(tmp_path / "out"), str(tmp_path / "state.db")
    run(str(two_vendors), out, state, dt.date(2026, 10, 31))
    full = run(str(two_vendors), out, state, dt.date(2026, 11, 1))
    assert set(_statuses(full.manifest).values()) == {"processed"}
    assert json.loads((Path(full.folder) / "manifest.json").read_text())["changes"]["vendors_skipped"] == 0


def test_rows_processed_a_few_at_a_time_give_the_same_feed(two_vendors, tmp_path):
    import pyarrow.parquet as pq

    whole = run(str(two_vendors), str(tmp_path / "whole"), str(tmp_path / "state.db"), dt.date(2026, 10, 31))
    chunked = run(str(two_vendors), str(tmp_path / "chunked"), str(tmp_path / "state.db"), dt.date(2026, 10, 31),
                  chunk_rows=3)
    for name in ("tmall_upload.csv", "rejects.csv", "pending_translation.csv"):
        assert (Path(chunked.folder) / name).read_bytes() == (Path(whole.folder) / name).read_bytes()
    for name in ("tmall_upload.parquet", "validated_products.parquet"):
        assert pq.read_table(Path(chunked.folder) / name).equals(pq.read_table(Path(whole.folder) / name))
    assert chunked.manifest["changes"] == whole.manifest["changes"]     # a rerun of the date: new again
    assert chunked.manifest["translation"] == whole.manifest["translation"]   # each distinct segment counted once
    assert whole.manifest["translation"]["segments"] > 0


def test_a_delta_in_small_chunks_finds_the_same_changes_and_withdrawals(two_vendors, tmp_path):
    import pyarrow.parquet as pq

    def runs(name: str, chunk_rows: int):
        out, state = str(tmp_path / name / "out"), str(tmp_path / name / "state.db")
        (tmp_path / name).mkdir()
        shutil.copy(tmp_path / "state.db", state)           # the memory with the reviewed translations
        run(str(two_vendors), out, state, dt.date(2026, 10, 31), chunk_rows=chunk_rows)
        return lambda day: run(str(two_vendors), out, state, day, mode="delta", chunk_rows=chunk_rows)

    whole, small = runs("whole", 50_000), runs("small", 2)
    sheet = two_vendors / SOAPS / "cp1252-semicolon-ttc.csv"
    lines = sheet.read_bytes().split(b"\r\n")
    sheet.write_bytes(b"\r\n".join([lines[0], lines[1].replace(b";4,20", b";4,40"), *lines[3:]]))
    a, b = whole(dt.date(2026, 11, 1)), small(dt.date(2026, 11, 1))
    assert a.manifest["changes"] == b.manifest["changes"]
    assert a.manifest["changes"]["changed"] == 1 and a.manifest["changes"]["withdrawn"] == 1
    feed_a, feed_b = (pq.read_table(Path(s.folder) / "tmall_upload.parquet").to_pandas() for s in (a, b))
    assert sorted(feed_a["sku"]) == sorted(feed_b["sku"]) and len(feed_a) == 2


@pytest.mark.slow
def test_vendors_localised_priced_and_published_in_two_processes_give_the_same_feed_and_manifest(two_vendors,
                                                                                                   tmp_path):
    one = run(str(two_vendors), str(tmp_path / "one"), str(tmp_path / "state.db"), dt.date(2026, 10, 31))
    two = run(str(two_vendors), str(tmp_path / "two"), str(tmp_path / "state.db"), dt.date(2026, 10, 31), workers=2)
    for name in ("tmall_upload.csv", "rejects.csv", "pending_translation.csv"):
        assert (Path(two.folder) / name).read_bytes() == (Path(one.folder) / name).read_bytes()
    manifests = [{k: v for k, v in s.manifest.items() if k != "stage_seconds"} for s in (one, two)]
    assert manifests[0] == manifests[1] and any(w.startswith("cbec_over_limit") for w in one.manifest["warnings"])


def test_a_segment_shared_by_products_in_different_chunks_is_counted_once(two_vendors, tmp_path):
    sheet = two_vendors / SOAPS / "cp1252-semicolon-ttc.csv"
    header, *rows = [line for line in sheet.read_bytes().split(b"\r\n") if line]
    again = [b"ZZ-" + row for row in rows if row[:4] == b"SVL-"]          # same texts, SKUs sorted after
    sheet.write_bytes(b"\r\n".join([header, *rows, *again, b""]))
    whole = run(str(two_vendors), str(tmp_path / "whole"), str(tmp_path / "state.db"), dt.date(2026, 10, 31))
    chunked = run(str(two_vendors), str(tmp_path / "chunked"), str(tmp_path / "state.db"), dt.date(2026, 10, 31),
                  chunk_rows=2)
    assert chunked.manifest["translation"] == whole.manifest["translation"]


@pytest.mark.slow
def test_a_delta_in_two_processes_reads_changed_files_there_and_reuses_the_others(tmp_path):
    from pipeline.extract.tm_import import read_memory_file
    from pipeline.load.state import StateStore
    from pipeline.load.translation_memory import TranslationMemory

    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES, intake)
    entries, _ = read_memory_file(str(SAMPLES.parent / "reviewed_translations.csv"))
    TranslationMemory(StateStore.open(str(tmp_path / "state.db")).engine).store(entries)
    run(str(intake), str(tmp_path / "out"), str(tmp_path / "state.db"), dt.date(2026, 10, 31))
    changed = (SOAPS, "lavande-des-hautes-bastides")
    for vendor in changed:
        sheet = next(p for p in (intake / vendor).iterdir() if p.suffix == ".csv")
        sheet.write_bytes(sheet.read_bytes() + b"\r\n")                 # a new sha256, the same rows
    shutil.copytree(tmp_path / "out", tmp_path / "out-one")
    shutil.copy(tmp_path / "state.db", tmp_path / "state-one.db")
    two = run(str(intake), str(tmp_path / "out"), str(tmp_path / "state.db"), dt.date(2026, 11, 1), mode="delta",
              workers=2)
    one = run(str(intake), str(tmp_path / "out-one"), str(tmp_path / "state-one.db"), dt.date(2026, 11, 1),
              mode="delta")
    statuses = _statuses(two.manifest)
    assert {v for v, s in statuses.items() if s == "processed"} >= set(changed)
    assert sum(s == "skipped" for s in statuses.values()) >= 2      # vendors with nothing pending
    assert {k: v for k, v in two.manifest.items() if k != "stage_seconds"} == \
        {k: v for k, v in one.manifest.items() if k != "stage_seconds"}


def test_a_vendor_with_several_files_gives_the_same_feed_read_a_few_rows_at_a_time(tmp_path):
    import os

    import pyarrow.parquet as pq

    vendor = tmp_path / "intake" / "savonnerie"
    vendor.mkdir(parents=True)
    sheets = {"tarifs.csv": [f"S{n}" for n in range(1, 9)], "mise-a-jour.csv": ["S2", "S5", "S9"],
              "correction.csv": ["S5", "S0", "S8"]}
    for age, (name, skus) in enumerate(sheets.items()):
        lines = [f"{sku},Savon de Marseille,{4 + age}.00,EUR" for sku in skus]
        (vendor / name).write_text("\n".join(["sku,title,price,currency", *lines, ""]), encoding="utf-8")
        os.utime(vendor / name, (1_700_000_000 + age, 1_700_000_000 + age))
    state = str(tmp_path / "state.db")
    whole = run(str(tmp_path / "intake"), str(tmp_path / "whole"), state, dt.date(2026, 10, 31))
    chunked = run(str(tmp_path / "intake"), str(tmp_path / "chunked"), state, dt.date(2026, 10, 31), chunk_rows=2)
    feed = pq.read_table(Path(whole.folder) / "tmall_upload.parquet").to_pandas().set_index("sku")
    assert sorted(feed.index) == ["S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"]
    assert (feed.loc["S5", "source_price"], feed.loc["S2", "source_price"]) == (6, 5)   # the newest file wins
    assert whole.manifest["rows_rejected"] == 4                     # S2, S5 twice, S8: superseded
    for name in ("tmall_upload.csv", "rejects.csv"):
        assert (Path(chunked.folder) / name).read_bytes() == (Path(whole.folder) / name).read_bytes()
    for name in ("tmall_upload.parquet", "validated_products.parquet"):
        assert pq.read_table(Path(chunked.folder) / name).equals(pq.read_table(Path(whole.folder) / name))


def test_the_stored_results_hold_until_the_shortest_shelf_life_reaches_the_minimum(two_vendors, tmp_path):
    import pyarrow.parquet as pq

    from pipeline.load import vendor_cache

    out, state = str(tmp_path / "out"), str(tmp_path / "state.db")
    full = run(str(two_vendors), out, state, dt.date(2026, 10, 31))
    validated = pq.read_table(Path(full.folder) / "validated_products.parquet").to_pandas()
    for vendor in (SOAPS, OILS):
        rows = validated[validated["vendor_id"] == vendor]
        entry = json.loads(Path(vendor_cache.entry_uri(out, vendor), "entry.json").read_text())
        shortest = int(rows["shelf_life_days"].min())
        assert entry["stable_until"] == (dt.date(2026, 10, 31) + dt.timedelta(days=shortest - 180)).isoformat()
        assert sorted(entry["rates"]) == sorted(rows["currency"].unique())
