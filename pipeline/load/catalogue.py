"""The published catalogue in the state store: for each vendor and SKU, every change of its listing.

A row is stored only when a run publishes something different for that product (new, changed, withdrawn),
keyed by the run date, so "what was last published before date D" is one query, a rerun of D replaces
exactly what D wrote (reruns and backfills stay idempotent), and the table grows with changes, not runs.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from pipeline.load.state import metadata, upsert

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
CHUNK = 1000


class Catalogue:
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        published_listings.create(engine, checkfirst=True)

    def before(self, run_date: dt.date) -> pd.DataFrame:
        """The state of every product as last published before `run_date`: vendor_id, sku, status,
        listing_hash (not the listing itself: see listings_of)."""
        columns = COLUMNS[:-1]
        with self.engine.connect() as conn:
            rows = conn.execute(self._latest(run_date, columns)).all()
        return pd.DataFrame(rows, columns=columns)

    def listings_of(self, run_date: dt.date, keys: pd.DataFrame) -> pd.DataFrame:
        """`keys` (vendor_id, sku) with the `listing` last published before `run_date`."""
        found = []
        pairs = list(keys[["vendor_id", "sku"]].itertuples(index=False, name=None))
        with self.engine.connect() as conn:
            for chunk in _chunks(pairs, CHUNK):
                wanted = sa.tuple_(published_listings.c.vendor_id, published_listings.c.sku).in_(chunk)
                found += conn.execute(self._latest(run_date, ["vendor_id", "sku", "listing"], wanted)).all()
        return keys.merge(pd.DataFrame(found, columns=["vendor_id", "sku", "listing"]), on=["vendor_id", "sku"])

    @staticmethod
    def _latest(run_date: dt.date, columns: list[str], where: sa.ColumnElement | None = None) -> sa.Select:
        """The newest line before `run_date` of each product (matching `where`), its `columns`."""
        table = published_listings
        newest = sa.func.row_number().over(partition_by=(table.c.vendor_id, table.c.sku),
                                           order_by=table.c.run_date.desc()).label("newest")
        ranked = sa.select(*(table.c[c] for c in columns), newest).where(table.c.run_date < run_date)
        ranked = (ranked if where is None else ranked.where(where)).subquery()
        return sa.select(*(ranked.c[c] for c in columns)).where(ranked.c.newest == 1)

    def record(self, run_date: dt.date, changes: pd.DataFrame, vendors: set[str]) -> None:
        """Replace what `run_date` recorded for `vendors` (those whose files the run read) with `changes`
        (COLUMNS), in one transaction; runs over other intakes sharing the store keep their lines. Rows are upserted in
        key order, so two writers of the same date (a manual rerun beside a scheduled one) neither deadlock
        nor fail on a duplicate key: the last to commit wins."""
        rows = [{**r, "run_date": run_date} for r in changes[COLUMNS].astype(object).to_dict("records")]
        rows.sort(key=lambda r: (r["vendor_id"], r["sku"]))
        with self.engine.begin() as conn:
            table = published_listings
            for names in _chunks(sorted(vendors), CHUNK):
                conn.execute(table.delete().where(table.c.run_date == run_date, table.c.vendor_id.in_(names)))
            for start in range(0, len(rows), CHUNK):
                upsert(conn, table, rows[start:start + CHUNK], update=["status", "listing_hash", "listing"])


def _chunks(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]
