"""Files are upserts into a vendor's catalogue: when a SKU is in several files of a vendor, the newest wins."""
from __future__ import annotations

import pandas as pd

from pipeline.transform.rejects import empty_rejects, make_rejects

KEYS = ["vendor_id", "sku"]


def newest_wins(rows: pd.DataFrame, file_order: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    return rows[~older], make_rejects(rows[older], field="sku", rule="superseded", detail=winner)
