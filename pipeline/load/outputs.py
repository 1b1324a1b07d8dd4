"""Writes one run's files (rejects.csv, validated_products.parquet, manifest.json) into its feed folder."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.load.publish import FeedFolder
from pipeline.transform.rejects import REJECT_COLUMNS, concat_rejects
from pipeline.transform.spreadsheet_safety import neutralise_frame

if TYPE_CHECKING:
    from pipeline.run import FileResult

REJECTS = "rejects.csv"
VALIDATED = "validated_products.parquet"
HELPER_SUFFIXES = ("__raw", "__error", "__detail")


def publish(folder: FeedFolder, run_date: dt.date, mode: str, results: list[FileResult]) -> dict:
    """Write every output file, then the manifest last; returns the manifest."""
    rejects = concat_rejects([r.rejects for r in results]).sort_values(
        ["vendor_id", "source_file", "source_row", "field"], kind="stable")
    valid = _concat_valid([r.valid for r in results])
    folder.write(REJECTS, utf8_csv(rejects[REJECT_COLUMNS]), rows=len(rejects))
    folder.write(VALIDATED, lambda path: pq.write_table(to_arrow(valid), path), rows=len(valid))
    inputs = sorted((r.record for r in results), key=lambda rec: rec["path"])
    manifest = {
        "run_date": run_date.isoformat(),
        "mode": mode,
        "rows_in": sum(rec["rows"] for rec in inputs),
        "rows_published": 0,
        "rows_rejected": sum(r.rows_rejected for r in results),
        "rows_pending": len(valid),
        "fx": {"base": "EUR", "quote": "CNY", "rate": None, "rate_date": None, "source": None},
        "inputs": inputs,
        "outputs": [{"path": f.name, "sha256": f.sha256, "rows": f.rows} for f in folder.written],
        "translation": {"segments": 0, "tm_hits": 0, "mt_calls": 0, "mt_chars": 0, "pending": 0},
    }
    folder.commit(manifest_bytes(manifest))
    return manifest


def _concat_valid(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({"vendor_id": pd.Series(dtype="object"), "sku": pd.Series(dtype="object")})
    valid = pd.concat(frames, ignore_index=True)
    helpers = [c for c in valid.columns if c.endswith(HELPER_SUFFIXES)]
    return valid.drop(columns=helpers).sort_values(["vendor_id", "source_file", "source_row"], kind="stable")


def utf8_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, comma, CRLF, formula-like cells neutralised: what Excel opens correctly."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """An Arrow table keeping Decimal columns as decimals and dates as dates."""
    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def sha256_of(manifest: dict) -> str:
    return hashlib.sha256(manifest_bytes(manifest)).hexdigest()
