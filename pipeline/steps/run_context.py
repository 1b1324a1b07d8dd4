"""Where a run reads and writes and its options (RunContext), and the timing every step records."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.chunks import CHUNK_ROWS
from pipeline.load import work_area


@dataclass(frozen=True)
class RunContext:
    """Where a run reads and writes, and its options; plain data, so it can travel through XCom."""

    intake: str
    out: str
    state: str
    run_date: str                      # YYYY-MM-DD
    mode: str = "full"
    translator: str = "none"
    min_shelf_life_days: int = 180
    storage_options: dict = field(default_factory=dict)
    chunk_rows: int = CHUNK_ROWS
    workers: int = 1                   # processes for the per-vendor work of localize_rows (memory-only runs),
    #                                    price_and_map and publish_feed

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.run_date)

    @property
    def work(self) -> str:
        return work_area.work_root(self.out, self.run_date)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def timed(step: Callable) -> Callable:
    """Record the step's duration in the work area (`timings/`), for the manifest's stage_seconds."""
    @functools.wraps(step)
    def timed_step(ctx: RunContext, *args, **kwargs):
        start = time.perf_counter()
        result = step(ctx, *args, **kwargs)
        work_area.write_json(f"{ctx.work}/timings/{step.__name__}-{uuid.uuid4().hex[:12]}.json",
                             {step.__name__: time.perf_counter() - start}, ctx.storage_options)
        return result

    return timed_step
