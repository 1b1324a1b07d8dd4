"""Text columns as Arrow large_string arrays: taken from pandas, their UTF-8 bytes read in place, joined row by row.

The feed, hash, catalogue and CSV writers build their text column by column with pyarrow.compute (no Python loop
over rows); these are the few conversions they share.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def holds_any(cells: pa.Array, chars: bytes) -> bool:
    """Whether any value of a large_string array holds one of the single-byte (ASCII) `chars`, read from its
    UTF-8 bytes (one copy of them, then a byte search per char: far faster than a set test per byte)."""
    data = bytes(utf8_bytes(cells))
    return any(bytes((char,)) in data for char in chars)


def utf8_bytes(cells: pa.Array) -> memoryview:
    """The bytes of all values of a large_string (UTF-8) or large_binary array one after the other, without copying
    them."""
    offsets, data = buffers(cells)
    return memoryview(data)[offsets[0]:offsets[-1]] if len(cells) else memoryview(b"")


def folded(parts: list[str | pa.Array]) -> list[str | pa.Array]:
    """`parts` to join row by row (literal texts and large_string arrays of one length, none missing) with each
    array that holds the same value in every row turned into literal text, literals next to each other merged and
    empty ones dropped: what is left to join per row is only what varies."""
    merged: list[str | pa.Array] = []
    for part in parts:
        value = part if isinstance(part, str) else sole_value(part)
        if value is None:
            merged.append(part)
        elif merged and isinstance(merged[-1], str):
            merged[-1] += value
        elif value:
            merged.append(value)
    return merged


def joined_rows(parts: list[str | pa.Array], rows: int) -> pa.Array:
    """`parts` (as for `folded`) joined row by row into one large_string array of `rows` values."""
    pieces = folded(parts)
    if not any(isinstance(piece, pa.Array) for piece in pieces):
        return pa.repeat(large("".join(pieces)), rows)
    if len(pieces) == 1:
        return pieces[0]
    return pc.binary_join_element_wise(*(large(p) if isinstance(p, str) else p for p in pieces), large(""))


def sole_value(column: pa.Array) -> str | None:
    """The value of a large_string array holding the same one in every row (none missing), else None; read from
    its buffers."""
    if not len(column) or column.null_count:
        return None
    offsets, data = buffers(column)
    width = int(offsets[1] - offsets[0])
    if not (np.diff(offsets) == width).all():
        return None
    text = data[offsets[0]:offsets[-1]]
    return bytes(text[:width]).decode() if np.array_equal(text[width:], text[:len(text) - width]) else None
