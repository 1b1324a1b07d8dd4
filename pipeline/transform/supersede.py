"""Files are upserts into a vendor's catalogue: when a SKU is in several files of a vendor, the newest wins."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pipeline.transform.rejects import empty_rejects, make_rejects

if TYPE_CHECKING:
    from pipeline.transform.settings import Settings

KEYS = ["vendor_id", "sku"]


def newest_wins(rows: pd.DataFrame, file_order: dict[str, int], settings: Settings
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows kept, rejects `superseded` for rows whose SKU a newer file of the same vendor also lists).

    `file_order` ranks each source_file, higher = newer (by modification time, then path)."""
    if rows.empty:
        return rows, empty_rejects()
    rank = rows["source_file"].map(file_order)
    newest = rank.groupby([rows["vendor_id"], rows["sku"]]).transform("max")
    older = rank < newest
    if not older.any():
        return rows, empty_rejects()
    newest_file = {r: f for f, r in file_order.items()}
    winner = newest[older].map(newest_file)
    return rows[~older], make_rejects(rows[older], field="sku", rule="superseded", settings=settings,
                                      detail=winner)


def newest_in_sku_order(files: list[Iterator[pd.DataFrame]], file_order: dict[str, int], settings: Settings
                        ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """newest_wins over the rows of one vendor's files, a few at a time: each file's frames come in SKU order
    (code point order, each SKU in one frame of its file). Yields (rows kept, sorted by sku, source_file and
    source_row; their rejects) for each run of SKUs that every file has been read past, so that about one frame
    per file is held at once; the kept rows, joined, are those of newest_wins on all rows, sorted."""
    held: list[pd.DataFrame] = [pd.DataFrame()] * len(files)
    while True:
        for n, frames in enumerate(files):
            while held[n].empty and (frame := next(frames, None)) is not None:
                held[n] = frame
        waiting = [n for n in range(len(files)) if not held[n].empty]
        if not waiting:
            return
        # no file's later frames hold a SKU up to the smallest of the last SKUs held: those rows are all here
        bound = min(held[n]["sku"].iat[-1] for n in waiting)
        taken = []
        for n in waiting:
            upto = int(np.searchsorted(held[n]["sku"].to_numpy(dtype=object), bound, side="right"))
            taken.append(held[n].iloc[:upto])
            held[n] = held[n].iloc[upto:]
        rows, superseded = newest_wins(pd.concat(taken, ignore_index=True), file_order, settings)
        yield rows.sort_values(["sku", "source_file", "source_row"], kind="stable").reset_index(drop=True), superseded
