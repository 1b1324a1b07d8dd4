"""pipeline.transform.sku_chunks: rows cut into chunks of whole SKUs in SKU order."""
import numpy as np
import pyarrow as pa

from pipeline.transform.sku_chunks import chunk_numbers, sku_chunk_bounds


def test_chunks_are_cut_where_the_sku_changes_missing_skus_last():
    key = pa.array(["b", "a", "c", "a", None, "b", "d"])
    order, bounds = sku_chunk_bounds(key, 3)
    assert order.tolist() == [1, 3, 0, 5, 2, 6, 4]                        # stable: the first "a" first
    assert bounds == [0, 4, 7]                                            # "a a b b" | "c d None"
    assert sku_chunk_bounds(key, None)[1] == [0, 7]


def test_each_row_knows_its_chunk_and_its_place_in_sku_order():
    key = pa.array(["b", "a", "c", "a", None, "b", "d"])
    chunk, rank = chunk_numbers(*sku_chunk_bounds(key, 3))
    assert chunk.tolist() == [0, 0, 1, 0, 1, 0, 1]
    assert rank.tolist() == [2, 0, 4, 1, 6, 3, 5]
    assert np.array_equal(np.argsort(rank), sku_chunk_bounds(key, 3)[0])


def test_no_rows_make_one_empty_chunk():
    order, bounds = sku_chunk_bounds(pa.array([], pa.string()), 50_000)
    assert len(order) == 0 and bounds == [0, 0]
