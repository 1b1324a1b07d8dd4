"""The feed folder's manifest: what went in, what came out (files with their sha256), the counts that prove every
row published, rejected or pending, and the run's timings."""
from __future__ import annotations

import hashlib
import json
import time

import pandas as pd

from pipeline.config import output_profile
from pipeline.load.publish import FeedFolder
from pipeline.load.run_outputs import RunOutputs
from pipeline.transform.feed_tally import Tally
from pipeline.transform.reading_report import reading_warnings
from pipeline.transform.rejects import rejected_rows

TRANSLATION_KEYS = ("segments", "tm_hits", "mt_calls", "mt_chars", "pending", "glossary_hits", "vendor_supplied")


def manifest(run: RunOutputs, folder: FeedFolder, inputs: list[dict], tally: Tally) -> dict:
    skipped = [rec for rec in inputs if rec["status"] == "skipped"]
    title_max_bytes = output_profile()["listing"]["title_max_gbk_bytes"]
    kept = sum(rec["rows_published"] for rec in skipped)
    return {
        "run_date": run.run_date.isoformat(),
        "mode": run.mode,
        "rows_in": sum(rec["rows"] for rec in inputs),
        "rows_published": tally.listings + kept,
        "rows_rejected": sum(rec["rows_rejected"] for rec in inputs),
        "rows_pending": tally.waiting,
        "fx": {k: run.fx[k] for k in ("base", "quote", "rate", "rate_date", "source")},
        "inputs": inputs,
        "outputs": [{"path": f.name, "sha256": f.sha256, "rows": f.rows} for f in folder.written],
        "translation": {k: run.translation.get(k, 0) for k in TRANSLATION_KEYS},
        "changes": {**{k: tally.changes[k] for k in ("new", "changed")}, "unchanged": tally.changes["unchanged"] + kept,
                    "withdrawn": tally.changes["withdrawn"], "rows_in_feed": tally.feed_rows,
                    "vendors_skipped": len({rec["vendor_id"] for rec in skipped})},
        "categories": tally.categories(),
        "warnings": sorted(tally.warnings(title_max_bytes) + reading_warnings(inputs)),
        "stage_seconds": _stage_seconds(run),
    }


def _stage_seconds(run: RunOutputs) -> dict:
    """The earlier steps' seconds, and publish_feed's own up to its manifest (the catalogue lines it records are
    committed after)."""
    if run.publish_started is None:
        return run.stage_seconds
    return dict(sorted({**run.stage_seconds,
                        "publish_feed": round(time.perf_counter() - run.publish_started, 2)}.items()))


def input_counts(records: list[dict], rejects: pd.DataFrame, tally: Tally) -> list[dict]:
    """Each input's record with its rows split into rejected, pending and published; a skipped input keeps the
    counts of the run that last processed it."""
    rejected = rejected_rows(rejects)["source_file"].value_counts()
    out = []
    for rec in sorted(records, key=lambda r: r["path"]):
        path = rec["path"]
        counts = {"rows_rejected": int(rejected.get(path, 0)), "rows_pending": tally.per_file[(path, "pending")],
                  "rows_published": tally.per_file[(path, "published")]}
        if rec["status"] == "skipped":
            counts["rows_published"] = rec.get("rows_published", 0)
        out.append({**{k: v for k, v in rec.items() if k != "rows_valid"}, **counts})
    return out


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def sha256_of(manifest: dict) -> str:
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest()
