"""The I/O floor of a run: read every sheet with pyarrow, write one Parquet and one UTF-16LE TAB CSV.

Usage: python benchmarks/io_floor.py INTAKE_DIR OUT_DIR   (prints the seconds it took)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pc
import pyarrow.parquet as pq


def read_sheet(path: Path) -> pa.Table:
    head = path.read_bytes()[:65536]
    try:
        head.decode("utf-8")
        encoding = "utf8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    delimiter = ";" if head.count(b";") > head.count(b",") else ","
    table = pc.read_csv(path, read_options=pc.ReadOptions(encoding=encoding),
                        parse_options=pc.ParseOptions(delimiter=delimiter, newlines_in_values=True))
    names = [f"c{i}" for i in range(table.num_columns)]
    return table.rename_columns(names).cast(pa.schema([(n, pa.string()) for n in names]))


def main(intake: str, out: str) -> None:
    start = time.perf_counter()
    tables = [read_sheet(p) for p in sorted(Path(intake).rglob("*.csv"))]
    width = max(t.num_columns for t in tables)
    padded = []
    for table in tables:
        for i in range(table.num_columns, width):
            table = table.append_column(f"c{i}", pa.nulls(table.num_rows, pa.string()))
        padded.append(table)
    everything = pa.concat_tables(padded)
    pq.write_table(everything, Path(out, "floor.parquet"))
    with open(Path(out, "floor.csv"), "wb") as fh:
        fh.write(b"\xff\xfe")
        for batch in everything.to_batches(200_000):
            columns = [column.fill_null("").to_pylist() for column in batch.columns]
            fh.write("".join("\t".join(row) + "\r\n" for row in zip(*columns, strict=True)).encode("utf-16-le"))
    print(f"{time.perf_counter() - start:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
