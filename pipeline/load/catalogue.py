"""The published catalogue in the state store: for each vendor and SKU, every change of its listing.

A line (sku, status, listing_hash, then the listing's own columns with their types) is stored only when a run
publishes something different for that product (new, changed, withdrawn), under the run date, so "what was last
published before date D" is the newest line of each product among the dates before D, a rerun of D replaces exactly
what D wrote (reruns and backfills stay idempotent), and the store grows with changes, not runs.

A vendor's lines of one run date are kept in SKU order (code point) as parts of at most BATCH lines, one row of
`catalogue_parts` each: an Arrow IPC file, LZ4-compressed, so recording and reading a million lines costs about
what writing and reading them as a compressed Arrow file does, and a reader decodes only the columns it needs.
A store made when lines were rows of `published_listings` (the listing as JSON) has them moved into parts when
first opened.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from pipeline.chunks import CHUNK_ROWS
from pipeline.load.state import metadata
from pipeline.load.work_area import ipc_buffer, ipc_table, to_frame, to_table
from pipeline.transform.arrow_text import STR, arrow_text
from pipeline.transform.delta import decode_rows

catalogue_parts = sa.Table(
    "catalogue_parts", metadata,
    sa.Column("vendor_id", sa.String(200), primary_key=True),
    sa.Column("run_date", sa.Date, primary_key=True),
    sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("lines", sa.LargeBinary, nullable=False),     # Arrow IPC file of LINES, LZ4
)
# PostgreSQL stores the compressed parts as they are, without trying to compress them again
sa.event.listen(catalogue_parts, "after_create", sa.DDL(
    "ALTER TABLE catalogue_parts ALTER COLUMN lines SET STORAGE EXTERNAL").execute_if(dialect="postgresql"))
LINE_COLUMNS = ["sku", "status", "listing_hash"]        # first in every part; the listing's own columns follow
LINES = pa.schema([(name, pa.large_string()) for name in LINE_COLUMNS])
COLUMNS = ["vendor_id", *LINE_COLUMNS]
KEYS = ["vendor_id", "sku"]
CHUNK = 1000                 # vendors per IN
BATCH = CHUNK_ROWS           # lines per part
PARTS_PER_FETCH = 8
OLD_TABLE = "published_listings"
MOVING_LOCK = 4242002        # PostgreSQL advisory lock held while the old table's lines are moved


@dataclass(frozen=True)
class InKeyOrder:
    """All of one vendor's lines of a run (as record() takes them) in tables that follow each other in SKU order:
    every SKU of a table comes after those of the tables before it."""

    vendor_id: str
    tables: Iterable[pa.Table]


class Catalogue:
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        catalogue_parts.create(engine, checkfirst=True)
        if sa.inspect(engine).has_table(OLD_TABLE):
            with engine.begin() as conn:
                _move_old_lines(conn)

    def before(self, run_date: dt.date) -> pd.DataFrame:
        """The state of every product as last published before `run_date`: vendor_id, sku, status,
        listing_hash (not the listing itself: see listings_of), sorted by vendor_id and sku."""
        with self.engine.begin() as conn:
            return _frame(_newest_lines(conn, run_date, LINE_COLUMNS))

    def listings_of(self, run_date: dt.date, keys: pd.DataFrame) -> pd.DataFrame:
        """`keys` (vendor_id, sku, …) with the columns of the listing last published before `run_date` (those the
        lines were recorded with: a column missing from older lines is null there)."""
        with self.engine.begin() as conn:
            lines = _newest_lines(conn, run_date, None, _skus_by_vendor(keys))
        listings = _frame(lines.drop_columns(LINE_COLUMNS[1:]))
        return keys.merge(listings, on=KEYS)

    def record(self, run_date: dt.date, changes: pd.DataFrame | pa.Table, vendors: set[str]) -> None:
        """Replace what `run_date` recorded for `vendors` (those whose files the run read) with `changes`
        (COLUMNS, then the listing's own columns, kept with their types), in one transaction; runs over other
        intakes sharing the store keep their lines, and a line of a vendor not in `vendors` replaces only that
        product's line of the date. Of a key given twice, its last line counts. Vendors are written in order, each
        starting with its part 0, which serves as the lock of the vendor's date: two writers of the same date (a
        manual rerun beside a scheduled one) take turns per vendor, neither deadlocks, and the last to commit
        wins."""
        with self.engine.begin() as conn:
            _replace_lines(conn, run_date, changes, vendors)

    def record_when(self, run_date: dt.date, batches: Iterable[tuple[pd.DataFrame | pa.Table | InKeyOrder, set[str]]],
                    go: Callable[[], bool]) -> bool:
        """record() of each (changes, vendors) batch, all in one transaction, committed only if `go()` (called once
        they are written, and which may wait) says so, else rolled back; returns what `go()` said. The lines can
        thus be written while what they describe is being published, and become visible only once it is.
        A vendor's lines may come as InKeyOrder: they are then stored a part at a time, never all held at once."""
        with self.engine.connect() as conn:
            with conn.begin() as transaction:
                for changes, vendors in batches:
                    if isinstance(changes, InKeyOrder):
                        _write_in_order(conn, run_date, changes)
                    else:
                        _replace_lines(conn, run_date, changes, vendors)
                if not go():
                    transaction.rollback()
                    return False
        return True


def _replace_lines(conn: sa.Connection, run_date: dt.date, changes: pd.DataFrame | pa.Table,
                   vendors: set[str]) -> None:
    """What record() does, in the caller's transaction."""
    lines = _in_key_order(_as_lines(changes), KEYS)
    of_vendor = {lines["vendor_id"][start].as_py(): lines.slice(start, stop - start).drop_columns("vendor_id")
                 for start, stop in _runs(lines["vendor_id"])}
    for vendor in sorted(set(vendors) | set(of_vendor)):
        _write_date(conn, run_date, vendor, of_vendor.get(vendor, LINES.empty_table()), whole=vendor in vendors)


def _as_lines(changes: pd.DataFrame | pa.Table) -> pa.Table:
    """COLUMNS as large_string, then the listing's columns as the work area types them."""
    table = changes if isinstance(changes, pa.Table) else to_table(changes)
    keys = {name: table[name].cast(pa.large_string()) for name in COLUMNS}
    return pa.table({**keys, **{name: table[name] for name in table.column_names if name not in keys}})


def _in_key_order(lines: pa.Table, keys: list[str]) -> pa.Table:
    """`lines` sorted by `keys` (code point order), keeping the last line of a key given twice."""
    order = pc.sort_indices(lines, sort_keys=[(key, "ascending") for key in keys]).to_numpy()
    ordered = lines if np.array_equal(order, np.arange(len(lines))) else lines.take(order)
    repeated = _same_key_as_next(ordered, keys)
    return ordered.filter(pa.array(np.append(~repeated, True))) if repeated.any() else ordered


def _same_key_as_next(lines: pa.Table, keys: list[str]) -> np.ndarray:
    """For each line but the last, whether the next one has the same `keys`."""
    same = np.ones(max(len(lines) - 1, 0), dtype=bool)
    for key in keys:
        column = lines[key]
        same &= pc.equal(column[1:], column[:-1]).to_numpy(zero_copy_only=False)
    return same


def _runs(column: pa.ChunkedArray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal values of a sorted column."""
    changes = np.flatnonzero(~pc.equal(column[1:], column[:-1]).to_numpy(zero_copy_only=False)) + 1
    bounds = [0, *changes.tolist(), len(column)] if len(column) else []
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _write_date(conn: sa.Connection, run_date: dt.date, vendor: str, lines: pa.Table, whole: bool) -> None:
    """Store `lines` (LINE_COLUMNS first, in key order) as what `run_date` recorded for `vendor`: all of it when
    `whole`, else only their products' lines (the others kept). Part 0 is written first (taken first as a lock when
    the stored lines are merged), then the others; parts left over from a longer earlier write are deleted."""
    if not whole:
        _put_part(conn, run_date, vendor, 0, None)
        stored = _stored_lines(conn, run_date, vendor)
        if stored.num_rows:
            lines = _in_key_order(_concat([stored, lines]), ["sku"])
    count = -(-len(lines) // BATCH)
    for part in range(max(count, 1)):
        _put_part(conn, run_date, vendor, part, lines.slice(part * BATCH, BATCH))
    table = catalogue_parts
    conn.execute(table.delete().where(table.c.vendor_id == vendor, table.c.run_date == run_date,
                                      table.c.part >= count))


def _write_in_order(conn: sa.Connection, run_date: dt.date, lines: InKeyOrder) -> None:
    """What _write_date(..., whole=True) stores, from tables already in key order, BATCH lines at a time."""
    held, part = LINES.empty_table(), 0
    for table in (table for table in lines.tables if table.num_rows):
        held = _concat([held, _in_key_order(_as_lines(table), KEYS).drop_columns("vendor_id")])
        while len(held) >= BATCH:
            _put_part(conn, run_date, lines.vendor_id, part, held.slice(0, BATCH))
            held, part = held.slice(BATCH), part + 1
    if len(held) or not part:
        _put_part(conn, run_date, lines.vendor_id, part, held)       # part 0 even when empty: taken as a lock
    count = part + (len(held) > 0)
    table = catalogue_parts
    conn.execute(table.delete().where(table.c.vendor_id == lines.vendor_id, table.c.run_date == run_date,
                                      table.c.part >= count))


def _put_part(conn: sa.Connection, run_date: dt.date, vendor: str, part: int, lines: pa.Table | None) -> None:
    """Upsert one part; `lines` None keeps a stored part as it is (an empty one made if missing), to lock it."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = catalogue_parts
    written = LINES.empty_table() if lines is None else lines
    stmt = insert(table).values(vendor_id=vendor, run_date=run_date, part=part, line_count=len(written),
                                lines=_ipc_file(written))
    kept = {"lines": table.c.lines} if lines is None else {c: stmt.excluded[c] for c in ("line_count", "lines")}
    conn.execute(stmt.on_conflict_do_update(index_elements=[c.name for c in table.primary_key.columns], set_=kept))


def _ipc_file(lines: pa.Table) -> bytes:
    return ipc_buffer(lines).to_pybytes()


def _stored_lines(conn: sa.Connection, run_date: dt.date, vendor: str) -> pa.Table:
    """Every line `run_date` recorded for `vendor`, in key order."""
    table = catalogue_parts
    blobs = conn.execute(sa.select(table.c.lines).where(table.c.vendor_id == vendor, table.c.run_date == run_date)
                         .order_by(table.c.part)).scalars()
    return _concat([LINES.empty_table(), *(_decoded(blob, None) for blob in blobs)])


def _decoded(blob: bytes, fields: list[str] | None) -> pa.Table:
    """The `fields` of a part's lines (all when None), the other columns not decoded."""
    return ipc_table(pa.py_buffer(blob), fields)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """Lines of parts written by different versions: columns united (missing ones null), types widened."""
    return pa.concat_tables(tables, promote_options="permissive")


def _newest_lines(conn: sa.Connection, run_date: dt.date, fields: list[str] | None,
                  wanted: dict[str, pa.Array] | None = None) -> pa.Table:
    """vendor_id and the line's `fields` (sku first; all when None) of the newest line before `run_date` of each
    product (only of the `wanted` SKUs of each vendor, if given), sorted by vendor_id and sku."""
    pieces, vendor_of_piece = [], []
    for vendor, blob in _parts_before(conn, run_date, None if wanted is None else sorted(wanted)):
        pieces.append(_decoded(blob, fields) if wanted is None else _wanted_lines(blob, fields, wanted[vendor]))
        vendor_of_piece.append(vendor)
    names = sorted(set(vendor_of_piece))
    rank = np.repeat(np.searchsorted(names, vendor_of_piece), [len(piece) for piece in pieces]).astype(np.int64)
    lines = _concat([LINES.empty_table().select(fields or LINE_COLUMNS), *pieces])
    keyed = pa.table({"vendor": rank, "sku": lines["sku"], "newer": np.arange(len(lines))})
    order = pc.sort_indices(keyed, sort_keys=[("vendor", "ascending"), ("sku", "ascending"),
                                              ("newer", "descending")]).to_numpy()
    newest = order[np.insert(~_same_key_as_next(keyed.take(order), ["vendor", "sku"]), 0, True)[:len(order)]]
    picked = lines if np.array_equal(newest, np.arange(len(lines))) else lines.combine_chunks().take(newest)
    vendor_ids = pa.array(names, pa.large_string()).take(rank[newest])
    return picked.add_column(0, "vendor_id", vendor_ids)


def _wanted_lines(blob: bytes, fields: list[str] | None, skus: pa.Array) -> pa.Table:
    """The `fields` (all when None) of a part's lines of `skus`; the other columns are decoded only when the part
    holds some."""
    kept = pc.is_in(_decoded(blob, ["sku"])["sku"], value_set=skus)
    if not pc.any(kept).as_py():
        return LINES.empty_table().select(fields or LINE_COLUMNS)
    lines = _decoded(blob, fields)
    return lines if pc.all(kept).as_py() else lines.filter(kept)


def _skus_by_vendor(keys: pd.DataFrame) -> dict[str, pa.Array]:
    """The distinct SKUs of each vendor in `keys` (vendor_id, sku)."""
    pairs = pa.table({name: arrow_text(keys[name]) for name in KEYS})
    pairs = pairs.take(pc.sort_indices(pairs, sort_keys=[("vendor_id", "ascending")]))
    return {pairs["vendor_id"][start].as_py(): pc.unique(pairs["sku"][start:stop])
            for start, stop in _runs(pairs["vendor_id"])}


def _parts_before(conn: sa.Connection, run_date: dt.date, vendors: list[str] | None) -> Iterator[tuple[str, bytes]]:
    """(vendor_id, lines) of each part stored before `run_date` (of `vendors` only, if given), by vendor, date
    and part, read as the cursor goes."""
    table = catalogue_parts
    query = (sa.select(table.c.vendor_id, table.c.lines).where(table.c.run_date < run_date, table.c.line_count > 0)
             .order_by(table.c.vendor_id, table.c.run_date, table.c.part))
    for names in [None] if vendors is None else _chunks(vendors, CHUNK):
        yield from _streamed(conn, query if names is None else query.where(table.c.vendor_id.in_(names)))


def _streamed(conn: sa.Connection, query: sa.Select) -> Iterator[tuple]:
    """The rows of `query`, a few at a time: on PostgreSQL through a server-side cursor in binary format, so
    that parts arrive as they are stored (not as hexadecimal text)."""
    if conn.dialect.name != "postgresql":
        yield from conn.execute(query, execution_options={"yield_per": PARTS_PER_FETCH})
        return
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    with conn.connection.driver_connection.cursor(name="catalogue_parts", binary=True) as cursor:
        cursor.itersize = PARTS_PER_FETCH
        cursor.execute(str(compiled), compiled.params)
        yield from cursor


def _frame(lines: pa.Table) -> pd.DataFrame:
    """`lines` as a frame: COLUMNS as pandas' str columns (as pd.DataFrame(rows) infers them), the listing's
    columns as the work area gives them back (decimals, dates, nullable integers and booleans)."""
    if not lines.num_rows:
        return pd.DataFrame([], columns=lines.column_names)
    frame = to_frame(lines)
    for name in COLUMNS:
        if name in frame:
            frame[name] = pd.array(lines[name], dtype=STR)
    return frame


def _move_old_lines(conn: sa.Connection) -> None:
    """Move the lines of the table of a store made before parts (one row per line) into parts, merged with any
    lines of the same vendor and date already in parts (the moved line wins), and drop it; done by the first to
    take the lock, in the caller's transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({MOVING_LOCK})"))
    else:
        conn.execute(catalogue_parts.delete().where(sa.false()))      # SQLite: a write takes the store's lock
    if not sa.inspect(conn).has_table(OLD_TABLE):
        return
    for lines in _old_lines_by_vendor(conn):
        order = pc.sort_indices(lines, sort_keys=[("run_date", "ascending"), ("sku", "ascending")]).to_numpy()
        by_date = lines if np.array_equal(order, np.arange(len(lines))) else lines.take(order)
        for start, stop in _runs(by_date["run_date"]):
            run_date = by_date["run_date"][start].as_py()
            run_date = run_date if isinstance(run_date, dt.date) else dt.date.fromisoformat(run_date)
            _write_date(conn, run_date, lines["vendor_id"][0].as_py(),
                        _with_listing_columns(by_date.slice(start, stop - start)), whole=False)
    conn.execute(sa.text(f"DROP TABLE {OLD_TABLE}"))


def _with_listing_columns(old: pa.Table) -> pa.Table:
    """Lines of the old table (run_date, COLUMNS and the listing as JSON) as parts hold them: LINE_COLUMNS, then the
    listing's own columns."""
    listing = to_table(decode_rows(pd.Series(old["listing"].to_pylist(), dtype=object)))
    kept = [name for name in listing.column_names if name not in COLUMNS]
    return pa.table({**{name: old[name] for name in LINE_COLUMNS}, **{name: listing[name] for name in kept}})


def _old_lines_by_vendor(conn: sa.Connection) -> Iterator[pa.Table]:
    """The old table's lines (run_date as the driver gives it, COLUMNS and the listing), one vendor at a time."""
    names = ["run_date", *COLUMNS, "listing"]
    old = sa.table(OLD_TABLE, *(sa.column(name) for name in names))
    query = sa.select(*old.c).order_by(old.c.vendor_id, old.c.sku, old.c.run_date)
    held: list[pa.Table] = []
    for rows in conn.execute(query, execution_options={"stream_results": True}).partitions(BATCH):
        batch = pa.table([pa.array(values, None if name == "run_date" else pa.large_string())
                          for name, values in zip(names, zip(*rows, strict=True), strict=True)], names=names)
        for start, stop in _runs(batch["vendor_id"]):
            if held and held[0]["vendor_id"][0].as_py() != batch["vendor_id"][start].as_py():
                yield pa.concat_tables(held)
                held = []
            held.append(batch.slice(start, stop - start))
    if held:
        yield pa.concat_tables(held)


def _chunks(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]
