"""The published catalogue in the state store: for each vendor and SKU, every change of its listing.

A row is stored only when a run publishes something different for that product (new, changed, withdrawn),
keyed by the run date, so "what was last published before date D" is one query, a rerun of D replaces
exactly what D wrote (reruns and backfills stay idempotent), and the table grows with changes, not runs.

Lines travel in bulk: SQLite gets positional tuples through the driver's executemany (each listing as its UTF-8
bytes, stored as text), PostgreSQL a COPY into a temporary table; lines are read back through the driver's cursor
straight into Arrow-backed columns.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from pipeline.load.state import metadata
from pipeline.transform.arrow_text import STR, arrow_text, joined_rows, utf8_bytes
from pipeline.transform.taobao_rows import sorted_positions

published_listings = sa.Table(
    "published_listings", metadata,
    sa.Column("vendor_id", sa.String(200), primary_key=True),
    sa.Column("sku", sa.String(200), primary_key=True),
    sa.Column("run_date", sa.Date, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),      # live | withdrawn
    sa.Column("listing_hash", sa.String(64), nullable=False),
    sa.Column("listing", sa.Text, nullable=False),           # JSON of the listing row (pipeline.transform.delta)
)
COLUMNS = ["vendor_id", "sku", "status", "listing_hash", "listing"]
KEYS = ["vendor_id", "sku"]
CHUNK = 1000                 # vendors per DELETE
BATCH = 50_000               # rows per executemany
COPY_BYTES = 8 << 20         # bytes per COPY write


class Catalogue:
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        published_listings.create(engine, checkfirst=True)

    def before(self, run_date: dt.date) -> pd.DataFrame:
        """The state of every product as last published before `run_date`: vendor_id, sku, status,
        listing_hash (not the listing itself: see listings_of)."""
        columns = COLUMNS[:-1]
        with self.engine.begin() as conn:
            return _frame(_fetch(conn, _latest(conn, run_date, columns)), columns)

    def listings_of(self, run_date: dt.date, keys: pd.DataFrame) -> pd.DataFrame:
        """`keys` (vendor_id, sku) with the `listing` last published before `run_date`."""
        pairs = keys[KEYS].drop_duplicates()
        wanted = sa.Table("wanted_listings", sa.MetaData(), sa.Column("vendor_id", sa.String(200)),
                          sa.Column("sku", sa.String(200)), prefixes=["TEMPORARY"], postgresql_on_commit="drop")
        table = published_listings
        with self.engine.begin() as conn:
            wanted.create(conn)
            try:
                if len(pairs):
                    conn.execute(wanted.insert(), [{"vendor_id": v, "sku": s} for v, s in zip(
                        pairs["vendor_id"].tolist(), pairs["sku"].tolist(), strict=True)])
                joined = sa.and_(table.c.vendor_id == wanted.c.vendor_id, table.c.sku == wanted.c.sku)
                rows = _fetch(conn, _latest(conn, run_date, [*KEYS, "listing"], join=(wanted, joined)))
            finally:
                if conn.dialect.name != "postgresql":        # SQLite keeps a temporary table with its connection
                    wanted.drop(conn)
        return keys.merge(_frame(rows, [*KEYS, "listing"]), on=KEYS)

    def record(self, run_date: dt.date, changes: pd.DataFrame, vendors: set[str]) -> None:
        """Replace what `run_date` recorded for `vendors` (those whose files the run read) with `changes`
        (COLUMNS), in one transaction; runs over other intakes sharing the store keep their lines. Rows are upserted in
        key order, so two writers of the same date (a manual rerun beside a scheduled one) neither deadlock
        nor fail on a duplicate key: the last to commit wins (and of a key given twice, its last line).
        PostgreSQL deletes the date's lines of `vendors`, then upserts. SQLite, whose writers take turns (the first
        write of a transaction takes the lock), upserts first, so a rerun rewrites its lines in place (an unchanged
        one costs no write), then deletes the date's lines of `vendors` that `changes` no longer holds."""
        with self.engine.begin() as conn:
            _replace_lines(conn, run_date, changes, vendors)

    def record_when(self, run_date: dt.date, batches: Iterable[tuple[pd.DataFrame, set[str]]],
                    go: Callable[[], bool]) -> bool:
        """record() of each (changes, vendors) batch, all in one transaction, committed only if `go()` (called once
        they are written, and which may wait) says so, else rolled back; returns what `go()` said. The lines can
        thus be written while what they describe is being published, and become visible only once it is."""
        with self.engine.connect() as conn:
            with conn.begin() as transaction:
                for changes, vendors in batches:
                    _replace_lines(conn, run_date, changes, vendors)
                if not go():
                    transaction.rollback()
                    return False
        return True


def _replace_lines(conn: sa.Connection, run_date: dt.date, changes: pd.DataFrame, vendors: set[str]) -> None:
    """What record() does, in the caller's transaction."""
    lines = _in_key_order(changes[COLUMNS])
    if conn.dialect.name != "postgresql" and not lines.empty:
        _executemany_upsert(conn, run_date, lines)
        _delete_lines_not_in(conn, run_date, vendors, lines)
        return
    _delete_lines(conn, run_date, vendors)
    if not lines.empty:
        _copy_upsert(conn, run_date, lines)


def _in_key_order(lines: pd.DataFrame) -> pd.DataFrame:
    """`lines` sorted by vendor_id and sku (code point order), keeping the last line of a key given twice."""
    order = sorted_positions(lines)
    ordered = lines if np.array_equal(order, np.arange(len(lines))) else lines.iloc[order]
    vendor, sku = (arrow_text(ordered[key]) for key in KEYS)
    repeated = pc.and_(pc.equal(vendor[1:], vendor[:-1]), pc.equal(sku[1:], sku[:-1])).to_numpy(zero_copy_only=False)
    return ordered[~np.append(repeated, False)] if repeated.any() else ordered


def _latest(conn: sa.Connection, run_date: dt.date, columns: list[str],
            join: tuple[sa.Table, sa.ColumnElement] | None = None) -> sa.Select:
    """The newest line before `run_date` of each product (of those `join`ed to, if given), its `columns` first:
    SQLite takes a group's other columns from its MAX row, PostgreSQL has DISTINCT ON, others a window."""
    table = published_listings
    source = table if join is None else table.join(*join)
    picked = [table.c[c] for c in columns]
    keys = (table.c.vendor_id, table.c.sku)
    if conn.dialect.name == "sqlite":
        newest = sa.select(*picked, sa.func.max(table.c.run_date)).select_from(source)
        return newest.where(table.c.run_date < run_date).group_by(*keys)
    if conn.dialect.name == "postgresql":
        newest = sa.select(*picked).select_from(source).where(table.c.run_date < run_date)
        return newest.distinct(*keys).order_by(*keys, table.c.run_date.desc())
    rank = sa.func.row_number().over(partition_by=keys, order_by=table.c.run_date.desc()).label("newest")
    ranked = sa.select(*picked, rank).select_from(source).where(table.c.run_date < run_date).subquery()
    return sa.select(*(ranked.c[c] for c in columns)).where(ranked.c.newest == 1)


def _fetch(conn: sa.Connection, query: sa.Select) -> list[tuple]:
    """All rows of `query` as the driver's tuples (its one parameter, a date, rendered in the SQL)."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cursor.execute("SET LOCAL jit = off")    # compiling this one-pass query costs more than it saves
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """The first len(`columns`) values of text rows as a frame of pandas' str columns (as pd.DataFrame(rows)
    infers them)."""
    if not rows:
        return pd.DataFrame([], columns=columns)
    return pd.DataFrame({name: pd.array(pa.array(values, type=pa.large_string()), dtype=STR)
                         for name, values in zip(columns, zip(*rows, strict=True), strict=False)})


def _delete_lines(conn: sa.Connection, run_date: dt.date, vendors: set[str]) -> None:
    """Delete every line `run_date` recorded for `vendors`."""
    table = published_listings
    for names in _chunks(sorted(vendors), CHUNK):
        conn.execute(table.delete().where(table.c.run_date == run_date, table.c.vendor_id.in_(names)))


def _delete_lines_not_in(conn: sa.Connection, run_date: dt.date, vendors: set[str], lines: pd.DataFrame) -> None:
    """Delete the lines `run_date` recorded for `vendors` whose key is not in `lines` (already stored): counted
    first, they are looked for only when there are some (a rerun after products left or were rejected)."""
    table = published_listings
    of_vendors = [(table.c.run_date == run_date, table.c.vendor_id.in_(names))
                  for names in _chunks(sorted(vendors), CHUNK)]
    stored = sum(conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one() for where in of_vendors)
    if stored == int(lines["vendor_id"].isin(vendors).sum()):
        return
    keys = _frame([row for where in of_vendors
                   for row in conn.execute(sa.select(*(table.c[name] for name in KEYS)).where(*where))], KEYS)
    found = keys.merge(lines[KEYS], on=KEYS, how="left", indicator=True)["_merge"].to_numpy()
    stale = keys[found == "left_only"]
    by_key = table.delete().where(table.c.run_date == sa.bindparam("run_date"),
                                  *(table.c[name] == sa.bindparam(name) for name in KEYS))
    _execute_many(conn, by_key, {**{name: stale[name].tolist() for name in KEYS},
                                 "run_date": _date_values(conn, run_date, len(stale))})


def _executemany_upsert(conn: sa.Connection, run_date: dt.date, lines: pd.DataFrame) -> None:
    """INSERT … ON CONFLICT DO UPDATE of `lines` in order (SQLite), BATCH at a time; a listing goes as its UTF-8
    bytes, cast to text by SQLite (no Python str made)."""
    from sqlalchemy.dialects.sqlite import insert

    table = published_listings
    stmt = insert(table).values({**{c: sa.bindparam(c) for c in [*COLUMNS, "run_date"]},
                                 "listing": sa.cast(sa.bindparam("listing"), sa.Text)})
    stmt = stmt.on_conflict_do_update(index_elements=[c.name for c in table.primary_key.columns],
                                      set_={c: stmt.excluded[c] for c in ("status", "listing_hash", "listing")})
    for start in range(0, len(lines), BATCH):
        batch = lines.iloc[start:start + BATCH]
        values = {c: batch[c].tolist() for c in COLUMNS if c != "listing"}
        values["listing"] = arrow_text(batch["listing"]).cast(pa.large_binary()).to_pylist()
        _execute_many(conn, stmt, {**values, "run_date": _date_values(conn, run_date, len(batch))})


def _execute_many(conn: sa.Connection, stmt: sa.Executable, values: dict[str, list]) -> None:
    """`stmt` once per position of the lists in `values` (by bind parameter name): positional tuples made one at a
    time as the driver's executemany reads them."""
    compiled = stmt.compile(dialect=conn.dialect)
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(str(compiled), zip(*(values[name] for name in compiled.positiontup), strict=True))
    finally:
        cursor.close()


def _date_values(conn: sa.Connection, run_date: dt.date, count: int) -> list:
    """`run_date` `count` times, as the driver is given a date column's value."""
    to_date = published_listings.c.run_date.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return [to_date(run_date) if to_date else run_date] * count


def _copy_upsert(conn: sa.Connection, run_date: dt.date, lines: pd.DataFrame) -> None:
    """PostgreSQL: COPY `lines` into a temporary table, then INSERT … SELECT … ON CONFLICT DO UPDATE in their
    order."""
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("CREATE TEMPORARY TABLE published_listings_load (vendor_id text, sku text, status text, "
                       "listing_hash text, listing text, seq bigint GENERATED ALWAYS AS IDENTITY) ON COMMIT DROP")
        with cursor.copy(f"COPY published_listings_load ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, len(lines), BATCH):
                text = _copy_text(lines.iloc[start:start + BATCH])
                for offset in range(0, len(text), COPY_BYTES):
                    copy.write(text[offset:offset + COPY_BYTES])
        cursor.execute(
            "INSERT INTO published_listings (vendor_id, sku, run_date, status, listing_hash, listing) "
            "SELECT vendor_id, sku, %s, status, listing_hash, listing FROM published_listings_load ORDER BY seq "
            "ON CONFLICT (vendor_id, sku, run_date) DO UPDATE SET status = EXCLUDED.status, "
            "listing_hash = EXCLUDED.listing_hash, listing = EXCLUDED.listing", (run_date,))


def _copy_text(lines: pd.DataFrame) -> memoryview:
    """`lines` (COLUMNS) in COPY's text format: TAB between columns, LF after each line, backslash, TAB, CR and LF
    escaped, \\N for a missing value."""
    pieces: list = []
    for name in COLUMNS:
        cells = arrow_text(lines[name])
        if _holds_any(cells, b"\\\t\r\n"):
            for char, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n")):
                cells = pc.replace_substring(cells, char, escaped)
        pieces += [pc.fill_null(cells, r"\N"), "\t"]
    pieces[-1] = "\n"
    return utf8_bytes(joined_rows(pieces, len(lines)))


def _holds_any(cells: pa.Array, chars: bytes) -> bool:
    text = utf8_bytes(cells).tobytes()
    return any(text.find(char) >= 0 for char in chars)


def _chunks(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]
