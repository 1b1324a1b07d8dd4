"""The run's scratch area `<out>/.work/<date>/` on the feeds' storage: tables and JSON handed between steps.

Steps hand each other URIs of what they wrote here, never data, so any worker can pick up the next step
(Airflow XCom carries only these small strings). Tables are Arrow IPC files (`.arrow`, LZ4-compressed: a few
times faster to write and read than Parquet, and decimals stay decimals); reading one back as a frame gives
nullable integers and booleans and pandas' Arrow-backed text (`str`), with no conversion of text.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from decimal import Decimal
from typing import Any, BinaryIO

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")
_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def short_id(text: str) -> str:
    """A short stable folder name for a path or vendor id (16 hex digits of its sha256)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def work_root(out: str, run_date: str) -> str:
    return f"{out.rstrip('/')}/.work/{run_date}"


def write_frame(uri: str, frame: pd.DataFrame, storage_options: dict | None = None) -> str:
    return write_table(uri, to_table(frame), storage_options)


def to_table(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table; columns of Decimal or date objects are converted once per distinct value."""
    frame = frame.reset_index(drop=True)
    converted = {}
    for name in frame.columns:
        if frame[name].dtype == object and isinstance(_first_value(frame[name]), (Decimal, dt.date)):
            try:
                converted[name] = _distinct_values_array(frame[name])
            except (pa.ArrowInvalid, pa.ArrowTypeError):       # mixed types: pyarrow's own conversion decides
                pass
    rest = frame.drop(columns=list(converted))
    if rest.columns.empty:
        return pa.table({str(name): converted[name] for name in frame.columns})
    table = pa.Table.from_pandas(rest, preserve_index=False)
    for name, array in converted.items():
        table = table.append_column(name, array)
    return table.select([str(c) for c in frame.columns])


def _first_value(s: pd.Series, look: int = 64):
    """The column's first non-missing value: usually among its first `look` cells, which spares a check of them all
    (slow on Decimal objects)."""
    head = s.iloc[:look].dropna()
    if not head.empty:
        return head.iloc[0]
    index = s.first_valid_index()
    return None if index is None else s[index]


def _distinct_values_array(s: pd.Series) -> pa.Array:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    values = pa.array(list(uniques))
    return values.take(pa.array(codes, mask=codes < 0))


def read_frame(uri: str, storage_options: dict | None = None) -> pd.DataFrame:
    return to_frame(read_table(uri, storage_options))


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The table as pandas: nullable integers and booleans, Arrow-backed text, and decimals and dates as Python
    objects made once per distinct value, so that equal values share one object (later hashing is cheap)."""
    shared = {name: _objects_per_distinct(table[name]) for name, f in zip(table.column_names, table.schema,
                                                                          strict=True)
              if pa.types.is_decimal(f.type) or pa.types.is_date(f.type)}
    frame = table.drop_columns(list(shared)).to_pandas(types_mapper=_NULLABLE.get)
    if not shared:
        return frame
    for name, values in shared.items():
        frame[name] = values
    return frame[table.column_names]


def _objects_per_distinct(column: pa.ChunkedArray) -> np.ndarray:
    """The column's values as an object array (None where missing), one Python object per distinct value."""
    encoded = column.combine_chunks().dictionary_encode()
    objects = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    return objects[encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)]


def write_table(uri: str, table: pa.Table, storage_options: dict | None = None) -> str:
    _write_bytes(uri, memoryview(ipc_buffer(table)), storage_options)
    return uri


def ipc_buffer(table: pa.Table) -> pa.Buffer:
    """The table as an Arrow IPC file, LZ4-compressed, in Arrow's own buffer (no Python object for Arrow's threads
    to release)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    return sink.getvalue()


def read_table(uri: str, storage_options: dict | None = None, columns: list[str] | None = None) -> pa.Table:
    """A work-area table, or only its `columns`."""
    return ipc_table(_arrow_source(uri, storage_options), columns)


def ipc_table(source: pa.NativeFile | pa.Buffer, columns: list[str] | None = None) -> pa.Table:
    """The table of an Arrow IPC file, or only its `columns` (the others are not decoded)."""
    if columns is None:
        with pa.ipc.open_file(source) as reader:
            return reader.read_all()
    with pa.ipc.open_file(source) as reader:               # the footer only
        fields = [reader.schema.get_field_index(name) for name in columns]
    if isinstance(source, pa.NativeFile):
        source.seek(0)
    with pa.ipc.open_file(source, options=pa.ipc.IpcReadOptions(included_fields=fields)) as reader:
        return reader.read_all().select(columns)


def read_schema(uri: str, storage_options: dict | None = None) -> pa.Schema:
    with pa.ipc.open_file(_arrow_source(uri, storage_options)) as reader:
        return reader.schema


def read_parquet(uri: str, storage_options: dict | None = None, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file (a published feed file, not a work-area table)."""
    return pq.read_table(_arrow_source(uri, storage_options), columns=columns)


def _arrow_source(uri: str, storage_options: dict | None) -> pa.NativeFile:
    """What pyarrow reads a file from: a local file mapped in memory, or the object's bytes. Never a Python file
    object: Arrow's threads may release the last reference to one during interpreter shutdown, when taking the
    GIL ends the thread and the process aborts ("terminate called without an active exception")."""
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    if isinstance(fs, LocalFileSystem):
        return pa.memory_map(path)
    return pa.BufferReader(fs.cat_file(path))


def write_bytes(uri: str, data: bytes, storage_options: dict | None = None) -> str:
    _write_bytes(uri, data, storage_options)
    return uri


def read_bytes(uri: str, storage_options: dict | None = None) -> bytes:
    with fsspec.open(uri, "rb", **(storage_options or {})) as fh:
        return fh.read()


def copy_into(uri: str, target: BinaryIO, storage_options: dict | None = None, block: int = 1 << 22) -> None:
    """Append the bytes at `uri` to an open unbuffered file: a local file by the kernel (sendfile), anything else
    `block` bytes at a time."""
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    if not isinstance(fs, LocalFileSystem):
        with fs.open(path, "rb") as source:
            shutil.copyfileobj(source, target, block)
        return
    with open(path, "rb") as source:
        size, sent = os.fstat(source.fileno()).st_size, 0
        while sent < size:
            sent += os.sendfile(target.fileno(), source.fileno(), sent, size - sent)


def exists(uri: str, storage_options: dict | None = None) -> bool:
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    return fs.exists(path)


def write_json(uri: str, value: Any, storage_options: dict | None = None) -> str:
    _write_bytes(uri, json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"), storage_options)
    return uri


def read_json(uri: str, storage_options: dict | None = None) -> Any:
    with fsspec.open(uri, "rb", **(storage_options or {})) as fh:
        return json.loads(fh.read())


def sum_json_numbers(folder_uri: str, storage_options: dict | None = None) -> dict[str, float]:
    """The numbers of every JSON object in a folder, summed key by key (rounded to 0.01)."""
    fs, path = fsspec.core.url_to_fs(folder_uri, **(storage_options or {}))
    totals: dict[str, float] = {}
    for name in sorted(fs.find(path)) if fs.exists(path) else []:
        for key, value in json.loads(fs.cat_file(name)).items():
            totals[key] = totals.get(key, 0.0) + value
    return {key: round(value, 2) for key, value in sorted(totals.items())}


def _write_bytes(uri: str, data: bytes, storage_options: dict | None) -> None:
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    tmp = f"{path}.tmp"
    with fs.open(tmp, "wb") as fh:
        fh.write(data)
    fs.mv(tmp, path)


def remove(uri: str, storage_options: dict | None = None) -> None:
    fs, path = fsspec.core.url_to_fs(uri, **(storage_options or {}))
    if fs.exists(path):
        fs.rm(path, recursive=True)
