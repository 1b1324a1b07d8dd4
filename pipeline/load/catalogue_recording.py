"""The run's catalogue lines recorded in a thread while the feed files are written, committed with the feed."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.load import work_area
from pipeline.load.catalogue import COLUMNS as CATALOGUE_LINE
from pipeline.load.catalogue import Catalogue, InKeyOrder
from pipeline.load.run_outputs import RunOutputs


class CatalogueRecording:
    """Records the run's catalogue lines in a thread while the feed files are written, in one transaction that
    commits only once the feed folder is committed, and rolls back if it is not: the lines appear with the feed."""

    def __init__(self, catalogue: Catalogue, run: RunOutputs, feed_parts: list[dict]):
        self._decided, self._published, self._error = threading.Event(), False, None
        self._thread = threading.Thread(target=self._record, args=(catalogue, run, feed_parts),
                                        name="catalogue-recording", daemon=True)
        self._thread.start()

    def finish(self, published: bool) -> None:
        """Commit (the feed is published) or roll back, wait for the thread; its error is raised if published."""
        self._published = published
        self._decided.set()
        self._thread.join()
        if published and self._error is not None:
            raise self._error

    def _record(self, catalogue: Catalogue, run: RunOutputs, feed_parts: list[dict]) -> None:
        try:
            catalogue.record_when(run.run_date, _catalogue_batches(run, feed_parts), self._go)
        except BaseException as exc:  # noqa: BLE001 - handed to the publishing thread by finish()
            self._error = exc

    def _go(self) -> bool:
        self._decided.wait()
        return self._published


def _catalogue_batches(run: RunOutputs, feed_parts: list[dict]) -> Iterator[tuple[pa.Table | InKeyOrder, set[str]]]:
    """The catalogue lines of each vendor read, one vendor at a time: chunk by chunk when its chunks hold SKUs in
    order (a file's rows are validated and localised in SKU order), else all together."""
    for part in feed_parts:
        if part["vendor_read"]:
            uris = [f"{chunk}/catalogue.arrow" for chunk in part["chunks"]]
            if _skus_in_order(uris, run.storage_options):
                tables = (work_area.read_table(uri, run.storage_options) for uri in uris)
                yield InKeyOrder(part["vendor_id"], tables), {part["vendor_id"]}
                continue
            lines = [work_area.read_table(uri, run.storage_options) for uri in uris]
            lines = [table for table in lines if table.num_rows]
            yield (pa.concat_tables(lines, promote_options="permissive") if lines else _no_lines()), {part["vendor_id"]}


def _skus_in_order(uris: list[str], opts: dict) -> bool:
    """Whether every SKU of each catalogue table comes after those of the tables before it (code point order)."""
    last = None
    for uri in uris:
        skus = work_area.read_table(uri, opts, ["sku"])["sku"]
        if len(skus) == 0:
            continue
        bounds = pc.min_max(skus)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if low is None or (last is not None and low <= last):
            return False
        last = high
    return True


def _no_lines() -> pa.Table:
    return pa.table({c: pa.array([], pa.large_string()) for c in CATALOGUE_LINE})
