"""Two workers sharing one PostgreSQL state store at once: translation memory, catalogue, whole runs."""
import datetime as dt
import hashlib
import json
import multiprocessing
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipeline.load.catalogue import Catalogue
from pipeline.load.state import StateStore, engine_url, input_files
from pipeline.load.translation_memory import TranslationMemory
from pipeline.transform.tm_format import Entry

pytestmark = pytest.mark.postgres

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples" / "intake"
WRITERS = ("a", "b")
WORDS = 3000                                   # per writer; the upper half of a's are the lower half of b's
FIRST_WORD = {"a": 0, "b": WORDS // 2}
BATCH = 500
VENDORS = ("bastides", "vieux-lavoir")
D2, D3, D4, D5 = (dt.date(2026, 11, day) for day in (2, 3, 4, 5))
# the SKU numbers each writer records per run date; D4 by both, like a manual rerun beside the scheduled one
LISTINGS = {"a": {D2: range(0, 600), D4: range(0, 300)},
            "b": {D3: range(300, 900), D4: range(200, 500)}}


@contextmanager
def _state_of_its_own(postgres_url: str) -> Iterator[str]:
    """A state store in use (its tables created) in a PostgreSQL schema of its own, dropped afterwards."""
    schema = f"shared_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(engine_url(postgres_url))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    state = f"{postgres_url}?options=-csearch_path%3D{schema}"
    engine = StateStore.open(state).engine
    TranslationMemory(engine)
    Catalogue(engine)
    engine.dispose()
    try:
        yield state
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _status(writer: str, word: int) -> str:
    """a approves every third word, b the next one; the third word of each triple stays machine in both."""
    return "approved" if word % 3 == WRITERS.index(writer) else "machine"


def _entries(writer: str) -> list[Entry]:
    words = range(FIRST_WORD[writer], FIRST_WORD[writer] + WORDS)
    return [Entry(f"Savon {n} à la lavande", f"薰衣草香皂 {n} {writer}", status=_status(writer, n),
                  provider=writer) for n in words]


def _listings(writer: str, day: dt.date, numbers: range) -> pd.DataFrame:
    rows = []
    for vendor in VENDORS:
        for n in numbers:
            listing = json.dumps({"writer": writer, "date": day.isoformat(), "sku": f"SKU-{n:04d}"})
            rows.append({"vendor_id": vendor, "sku": f"SKU-{n:04d}", "status": "live",
                         "listing_hash": hashlib.sha256(listing.encode()).hexdigest(), "listing": listing})
    return pd.DataFrame(rows)


def _write_shared_state(state: str, writer: str, barrier) -> None:
    """One worker: waits for the other, then stores its memory in batches (a from the first word up, b from
    the last down, so both reach the shared words together) and records its catalogue lines."""
    engine = StateStore.open(state).engine
    memory, catalogue = TranslationMemory(engine), Catalogue(engine)
    entries = _entries(writer)
    batches = [entries[start:start + BATCH] for start in range(0, len(entries), BATCH)]
    barrier.wait(timeout=60)
    for batch in batches if writer == "a" else reversed(batches):
        memory.store(batch)
    for day, numbers in LISTINGS[writer].items():
        lines = _listings(writer, day, numbers)
        catalogue.record(day, lines, set(lines["vendor_id"]))


def _run_together(target, args_of_each: list[tuple]) -> list[int]:
    """Start one spawned process per argument tuple, released together by a barrier; their exit codes (-9
    for one killed after two minutes)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(args_of_each))
    workers = [context.Process(target=target, args=(*args, barrier)) for args in args_of_each]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    for worker in workers:
        if worker.is_alive():       # stuck on a lock: killed, so the test fails and leaves nothing behind
            worker.kill()
            worker.join()
    return [worker.exitcode for worker in workers]


@pytest.fixture(scope="module")
def written_at_once(postgres_url):
    """The state store after workers a and b stored their memory and recorded their catalogue at once, and
    the workers' exit codes."""
    with _state_of_its_own(postgres_url) as state:
        yield state, _run_together(_write_shared_state, [(state, writer) for writer in WRITERS])


def test_concurrent_workers_keep_every_entry_and_never_demote_an_approved_one(written_at_once):
    state, exit_codes = written_at_once
    assert exit_codes == [0, 0]
    stored = TranslationMemory(StateStore.open(state).engine).export()
    assert len(stored) == len({e.source for e in stored})
    by_source = {e.source: e for e in stored}
    written = {writer: {e.source: e for e in _entries(writer)} for writer in WRITERS}
    assert by_source and set(by_source) == set(written["a"]) | set(written["b"])
    for source, entry in by_source.items():
        candidates = [written[w][source] for w in WRITERS if source in written[w]]
        approved = [c for c in candidates if c.status == "approved"]
        expected = approved or candidates
        assert (entry.target, entry.status) in {(c.target, c.status) for c in expected}, entry


def _keys(numbers: range) -> set[tuple[str, str]]:
    return {(vendor, f"SKU-{n:04d}") for vendor in VENDORS for n in numbers}


def _origin(lines: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    """(vendor, SKU) → (run date, writer) of each catalogue line, as written into its listing."""
    listings = lines["listing"].map(json.loads)
    return {key: (listing["date"], listing["writer"]) for key, listing in listings.items()}


def test_concurrent_workers_leave_one_catalogue_line_per_product(written_at_once):
    state, exit_codes = written_at_once
    assert exit_codes == [0, 0]
    catalogue = Catalogue(StateStore.open(state).engine)
    before_d4, latest = (catalogue.listings_of(day, catalogue.before(day)).set_index(["vendor_id", "sku"])
                         for day in (D4, D5))
    for lines in (before_d4, latest):
        assert not lines.index.duplicated().any()
        assert (lines["listing"].map(lambda text: hashlib.sha256(text.encode()).hexdigest())
                == lines["listing_hash"]).all()
    previous, newest = _origin(before_d4), _origin(latest)
    assert previous == {**{key: ("2026-11-02", "a") for key in _keys(range(0, 300))},
                        **{key: ("2026-11-03", "b") for key in _keys(range(300, 900))}}
    assert newest.keys() == _keys(range(900))
    # D4 was recorded by both at once: the last to commit replaced the other's D4 lines, or both kept theirs
    on_d4 = {key for key, (day, _) in newest.items() if day == "2026-11-04"}
    by_writer = {writer: _keys(LISTINGS[writer][D4]) for writer in WRITERS}
    assert on_d4 in (by_writer["a"], by_writer["b"], by_writer["a"] | by_writer["b"])
    assert newest
    for key, (day, writer) in newest.items():
        assert key in by_writer[writer] if day == "2026-11-04" else (day, writer) == previous[key]


def _run_pipeline(state: str, intake: str, out: str, barrier) -> None:
    import os

    from pipeline.run import run

    os.environ["EPROVENCE_ECB_REFRESH"] = "0"
    barrier.wait(timeout=60)
    run(intake, out, state, dt.date(2026, 11, 1))


@pytest.mark.slow
def test_two_runs_share_one_state_store_at_once(postgres_url, tmp_path):
    vendors = ("lavande-des-hautes-bastides", "savonnerie-du-vieux-lavoir")
    for vendor in vendors:
        shutil.copytree(SAMPLES / vendor, tmp_path / vendor / "intake" / vendor)
    with _state_of_its_own(postgres_url) as state:
        jobs = [(state, str(tmp_path / vendor / "intake"), str(tmp_path / vendor / "feeds"))
                for vendor in vendors]
        assert _run_together(_run_pipeline, jobs) == [0, 0]
        store = StateStore.open(state)
        last_run = store.last_run()
        with store.engine.connect() as conn:
            seen = conn.execute(sa.select(input_files.c.vendor_id, input_files.c.path)).all()
        store.engine.dispose()

    for vendor in vendors:
        manifest = json.loads((tmp_path / vendor / "feeds" / "2026-11-01" / "manifest.json").read_text())
        assert [i["vendor_id"] for i in manifest["inputs"]] == [vendor]
        rows = manifest["rows_published"] + manifest["rows_rejected"] + manifest["rows_pending"]
        assert manifest["rows_in"] == rows > 0
    assert last_run["run_date"] == dt.date(2026, 11, 1)
    assert sorted(vendor for vendor, _ in seen) == sorted(vendors)       # both runs' inputs remembered
