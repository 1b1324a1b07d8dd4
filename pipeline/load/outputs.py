"""Writes one run's files (rejects, pending translations, validated rows, manifest) into its feed folder."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.load.publish import FeedFolder
from pipeline.transform.rejects import REJECT_COLUMNS, concat_rejects
from pipeline.transform.spreadsheet_safety import neutralise_frame

REJECTS = "rejects.csv"
PENDING = "pending_translation.csv"
PENDING_COLUMNS = ["source_lang", "target_lang", "field", "source", "target", "skus"]
TRANSLATION_KEYS = ("segments", "tm_hits", "mt_calls", "mt_chars", "pending", "glossary_hits", "vendor_supplied")
VALIDATED = "validated_products.parquet"
HELPER_SUFFIXES = ("__raw", "__error", "__detail")


def publish(folder: FeedFolder, run_date: dt.date, mode: str, records: list[dict], rejects: list[pd.DataFrame],
            rows: pd.DataFrame, pending: pd.DataFrame, translation: dict) -> dict:
    """Write every output file, then the manifest last; returns the manifest.

    `rows` are the valid rows after localisation (`pending_reason` set on those still waiting), `pending`
    the pending_translation.csv lines, `translation` the localisation counters."""
    all_rejects = concat_rejects(rejects).sort_values(["vendor_id", "source_file", "source_row", "field"],
                                                      kind="stable")
    rows = _without_helpers(rows)
    waiting = rows["pending_reason"].notna() if "pending_reason" in rows else pd.Series(True, index=rows.index)
    folder.write(REJECTS, utf8_csv(all_rejects[REJECT_COLUMNS]), rows=len(all_rejects))
    folder.write(PENDING, utf8_csv(pending[PENDING_COLUMNS]), rows=len(pending))
    folder.write(VALIDATED, lambda path: pq.write_table(to_arrow(rows), path), rows=len(rows))
    inputs = sorted(records, key=lambda rec: rec["path"])
    manifest = {
        "run_date": run_date.isoformat(),
        "mode": mode,
        "rows_in": sum(rec["rows"] for rec in inputs),
        "rows_published": 0,
        "rows_rejected": sum(rec["rows_rejected"] for rec in inputs),
        "rows_pending": int(waiting.sum()) + int((~waiting).sum()),
        "fx": {"base": "EUR", "quote": "CNY", "rate": None, "rate_date": None, "source": None},
        "inputs": inputs,
        "outputs": [{"path": f.name, "sha256": f.sha256, "rows": f.rows} for f in folder.written],
        "translation": {k: translation.get(k, 0) for k in TRANSLATION_KEYS},
    }
    folder.commit(manifest_bytes(manifest))
    return manifest


def _without_helpers(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame({"vendor_id": pd.Series(dtype="object"), "sku": pd.Series(dtype="object")})
    helpers = [c for c in rows.columns if c.endswith(HELPER_SUFFIXES)]
    return rows.drop(columns=helpers).sort_values(["vendor_id", "source_file", "source_row"], kind="stable")


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
