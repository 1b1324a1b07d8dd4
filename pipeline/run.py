"""One pipeline run for one logical date: the steps of pipeline.steps called in order, in one process."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from pipeline.parallel import each_in_processes
from pipeline.steps.discover_inputs import discover_inputs
from pipeline.steps.extract_file import close_readers, extract_file
from pipeline.steps.localize_rows import localize_rows
from pipeline.steps.price_and_map import price_and_map
from pipeline.steps.publish_feed import publish_feed
from pipeline.steps.refresh_rates import refresh_rates
from pipeline.steps.run_context import CHUNK_ROWS, RunContext


@dataclass
class RunSummary:
    run_date: dt.date
    mode: str
    folder: str
    manifest: dict
    rejects: pd.DataFrame         # the first rejects, for a summary
    listings: pd.DataFrame        # the first published listings, for a summary


def run(intake: str, out: str, state: str, run_date: dt.date, *, mode: str = "full", translator: str = "none",
        min_shelf_life_days: int = 180, storage_options: dict | None = None, translator_client=None,
        on_file: Callable[[dict], None] | None = None,
        on_discovered: Callable[[int], None] | None = None, workers: int = 1, chunk_rows: int = CHUNK_ROWS
        ) -> RunSummary:
    """Process every file of the intake for `run_date` and publish `<out>/<date>/` atomically.

    With `workers` > 1, files, then vendors, are worked on in that many processes (forked from a server process,
    pipeline.parallel.worker_context): a script calling this must do so under `if __name__ == "__main__":`, as
    multiprocessing requires.

    Raises IntakeUnavailable, OutputUnavailable, StateUnavailable or ValueError (bad option) when the run
    itself cannot happen; bad data never raises."""
    from pipeline.extract.translators import make_translator
    from pipeline.load.publish import FeedFolder
    from pipeline.load.state import StateStore

    ctx = RunContext(intake, out, state, run_date.isoformat(), mode, translator, min_shelf_life_days,
                     storage_options or {}, chunk_rows, workers)
    StateStore.open(state)                                  # fail fast on an unusable store …
    FeedFolder(out, ctx.run_date, ctx.storage_options).abandon()   # … or output
    client = translator_client if translator_client is not None else make_translator(translator)
    rates_uri = refresh_rates(ctx)
    files = discover_inputs(ctx)
    if on_discovered:
        on_discovered(len(files))
    file_uris = _extract_all(ctx, files, on_file or (lambda _f: None))
    localized_uri = localize_rows(ctx, file_uris, translator=client)
    listings_uri = price_and_map(ctx, localized_uri, rates_uri)
    rejects = _rejects_preview(file_uris, ctx)
    published = publish_feed(ctx, file_uris, localized_uri, listings_uri, rates_uri)
    manifest = _read_manifest(ctx)
    return RunSummary(run_date, mode, published["folder"], manifest, rejects, _listings_preview(ctx))


def _extract_all(ctx: RunContext, files: list[dict], on_file: Callable[[dict], None]) -> list[str]:
    """extract_file on every file: the files to read in `ctx.workers` processes (as Airflow's mapped tasks would),
    those a delta run reuses from the cache here; the URIs come back in the files' order, each reported to `on_file`
    as it arrives."""
    to_read = [file for file in files if not file.get("cached")]
    read = each_in_processes(ctx.workers, extract_file, [ctx] * len(to_read), to_read,
                             costs=[file.get("size") or 0 for file in to_read])
    uris = [_extracted(extract_file(ctx, file) if file.get("cached") else next(read), file, on_file)
            for file in files]
    read.close()                                    # the processes end here
    close_readers()                                 # and this one's reader child
    return uris


def _extracted(uri: str, file: dict, on_file: Callable[[dict], None]) -> str:
    on_file(file)
    return uri


def _rejects_preview(file_uris: list[str], ctx: RunContext, rows: int = 20) -> pd.DataFrame:
    from pipeline.load import work_area

    frames = [work_area.read_frame(f"{uri}/rejects.arrow", ctx.storage_options).head(rows) for uri in file_uris]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True).head(rows) if frames else pd.DataFrame()


def _listings_preview(ctx: RunContext, rows: int = 20) -> pd.DataFrame:
    from pipeline.load import work_area

    columns = ["outer_id", "title_zh", "price_cny", "source_price", "source_currency"]
    feed = f"{ctx.out.rstrip('/')}/{ctx.run_date}/tmall_upload.parquet"
    return work_area.read_parquet(feed, ctx.storage_options, columns).slice(0, rows).to_pandas()


def _read_manifest(ctx: RunContext) -> dict:
    from pipeline.load import work_area

    return work_area.read_json(f"{ctx.out.rstrip('/')}/{ctx.run_date}/manifest.json", ctx.storage_options)
