"""Text columns as Arrow large_string arrays: taken from pandas, their UTF-8 bytes read in place, literals to join.

The feed, hash, catalogue and CSV writers build their text column by column with pyarrow.compute (no Python loop
over rows); these are the few conversions they share.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

STR = pd.StringDtype("pyarrow", na_value=np.nan)          # pandas' default "str"


def arrow_text(s: pd.Series) -> pa.Array:
    """A text column as one large_string array (missing as null); Arrow-backed text is not copied. A value that
    is not text (a number in an object column) becomes its str()."""
    if isinstance(s.dtype, (pd.StringDtype, pd.ArrowDtype)):
        values = pa.array(s)
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        return values.cast(pa.large_string())
    try:
        return pa.array(s.astype(object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array(s.astype(object).map(str, na_action="ignore"), type=pa.large_string(), from_pandas=True)


def large(text: str) -> pa.Scalar:
    """A literal to combine with large_string arrays (pyarrow.compute wants the same string type)."""
    return pa.scalar(text, pa.large_string())


def buffers(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of a large_string array's values (this slice's, len + 1 of them) and its data buffer as bytes."""
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)[cells.offset:cells.offset + len(cells) + 1]
    return offsets, np.frombuffer(cells.buffers()[2] or b"", dtype=np.uint8)


def utf8_bytes(cells: pa.Array) -> memoryview:
    """The bytes of all values of a large_string (UTF-8) or large_binary array one after the other, without copying
    them."""
    offsets, data = buffers(cells)
    return memoryview(data)[offsets[0]:offsets[-1]] if len(cells) else memoryview(b"")
