"""Cuts rows into chunks of whole SKUs in SKU order: the order files are validated and handed on in."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def sku_chunk_bounds(key: pa.Array, chunk_rows: int | None) -> tuple[np.ndarray, list[int]]:
    """(order, bounds): `order` sorts the rows by `key` (a stable sort, missing keys last), and the rows
    order[bounds[i]:bounds[i + 1]] form chunk i, of about `chunk_rows` rows, cut only where the key changes.
    A chunk may reach 1.5 × `chunk_rows` (50,010 rows stay one): validation costs the same on each call
    whatever its size."""
    pieces = max(1, round(len(key) / chunk_rows)) if chunk_rows else 1
    order = pc.array_sort_indices(key, null_placement="at_end").to_numpy()
    ordered = key.take(order)
    same = pc.fill_null(pc.equal(ordered[1:], ordered[:-1]), False).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(~same) + 1                          # where a key other than the row before's starts
    first_after = np.searchsorted(starts, np.arange(1, pieces) * -(-len(key) // pieces))
    cuts = np.unique(starts[first_after[first_after < len(starts)]])
    return order, [0, *cuts.tolist(), len(key)]


def chunk_numbers(order: np.ndarray, bounds: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(chunk, rank) per row in its original position: the number of its chunk, and its place in `order`."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    chunk = np.searchsorted(np.asarray(bounds[1:-1], dtype=np.int64), rank, side="right").astype(np.int32)
    return chunk, rank
