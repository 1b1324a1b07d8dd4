"""What each vendor's files gave when last published, so a delta run can skip a vendor whose inputs did not change.

A vendor is skipped (its inputs get status `skipped`) only when everything its results depend on is as it was:
the bytes of each of its files and the set of files, its profile, the code and configuration of this package
(every file of pipeline/, config/ and schemas/), the minimum shelf life, the translator, the rates of the
currencies it prices in and the translation memory. Shelf lives computed from a best-before date shorten every
day, so an entry also holds only until the first date on which one of its products would fall below the minimum.
A vendor with rows pending translation is never stored: those rows are tried again every night.

An entry lives on the feeds' storage at `<out>/.cache/vendors/<id>/`: `entry.json` (the fingerprint, the run
date, the date it holds until, the input records with their counts) and `rejects.arrow`. Entries are written
after the feed is committed; a rerun of the date it was written on never uses it, so reruns stay idempotent.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable

import sqlalchemy as sa

from pipeline.config import CONFIG_DIR, PROJECT_ROOT, SCHEMAS_DIR
from pipeline.load.work_area import short_id

CODE_DIRS = (PROJECT_ROOT / "pipeline", CONFIG_DIR, SCHEMAS_DIR)
MAX_HOLD_DAYS = 3650         # shelf lives are read up to 10**9 days; no date is that far


@functools.cache
def code_fingerprint() -> str:
    """sha256 over the path and bytes of every file the results depend on (the package, config/, schemas/)."""
    digest = hashlib.sha256()
    for folder in CODE_DIRS:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def memory_fingerprint(engine: sa.Engine) -> str:
    """The translation memory's size and newest change: any import or new translation changes it."""
    from pipeline.load.translation_memory import translation_memory as table

    table.create(engine, checkfirst=True)       # a first delta run on a new store: an empty memory, not an error
    with engine.connect() as conn:
        count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(table.c.updated_at))).one()
    return f"{count}:{newest}"


def vendor_key(file_digests: Iterable[tuple[str, str]], profile: dict, context: dict) -> str:
    """The fingerprint of one vendor's results: its files (path, sha256), its profile and the run `context`
    (code, rates, memory, translator, minimum shelf life)."""
    payload = {"files": sorted(file_digests), "profile": profile, **context}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def stable_until(run_date: dt.date, shelf_life_days, min_days: int) -> str | None:
    """The last date on which the shelf lives computed on `run_date` all still meet the minimum (ISO date), or
    None when no product states one."""
    days = [int(d) for d in shelf_life_days if d is not None and d == d]
    if not days:
        return None
    return (run_date + dt.timedelta(days=min(min(days) - min_days, MAX_HOLD_DAYS))).isoformat()


def entry_uri(out: str, vendor_id: str) -> str:
    return f"{out.rstrip('/')}/.cache/vendors/{short_id(vendor_id)}"


def usable(entry: dict | None, key: str, run_date: dt.date, rates: dict) -> bool:
    """Whether an entry written by an earlier run still gives this run's results: same key, an earlier date,
    shelf lives still above the minimum, and the same rate records for the currencies the vendor prices in."""
    if not entry or entry.get("key") != key or entry["run_date"] >= run_date.isoformat():
        return False
    if entry.get("stable_until") is not None and run_date.isoformat() > entry["stable_until"]:
        return False
    return all(rates.get(currency) == record for currency, record in entry.get("rates", {}).items())
