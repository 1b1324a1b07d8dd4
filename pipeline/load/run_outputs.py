"""What publishing a run is handed: the run's records, rejects, pending lines and counters, and each vendor's
localised and priced parts in the work area."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from pipeline.chunks import CHUNK_ROWS


@dataclass
class VendorPart:
    """One vendor's chunks in SKU order: the URIs of its localised rows (valid rows, `pending_reason` set on those
    waiting) and of their listings."""

    vendor_id: str
    chunks: list[tuple[str, str | None]]
    rows: int = 0                       # how many rows the chunks hold, as a measure of the work they make


@dataclass
class RunOutputs:
    """Everything a run publishes: per-input records, rejects, pending segments and each vendor's part."""

    run_date: dt.date
    mode: str
    records: list[dict]
    rejects: pd.DataFrame
    pending: pd.DataFrame          # pending_translation.csv lines
    translation: dict              # localisation counters
    parts: list[VendorPart]
    fx: dict                       # the EUR → CNY rate record of the run
    work: str                      # the run's work area, for the feed parts
    storage_options: dict = field(default_factory=dict)
    stage_seconds: dict = field(default_factory=dict)   # seconds spent in each step (summed over files)
    publish_started: float | None = None                # time.perf_counter() when publish_feed started
    state: str | None = None                            # the state store, for vendors published in other processes
    workers: int = 1                                    # processes composing vendors' feed parts
    chunk_rows: int = CHUNK_ROWS
