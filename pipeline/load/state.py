"""The state store: SQLite file by default, PostgreSQL when given a database URL; owns its tables."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("run_date", sa.Date, primary_key=True),
    sa.Column("mode", sa.String(8), nullable=False),
    sa.Column("rows_in", sa.Integer, nullable=False),
    sa.Column("rows_published", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("rows_pending", sa.Integer, nullable=False),
    sa.Column("manifest_sha256", sa.String(64), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
)

input_files = sa.Table(
    "input_files", metadata,
    sa.Column("vendor_id", sa.String(200), primary_key=True),
    sa.Column("path", sa.String(1000), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("first_run_date", sa.Date, nullable=False),
    sa.Column("last_run_date", sa.Date, nullable=False),
)


class StateUnavailable(RuntimeError):
    """The state store cannot be opened."""


def engine_url(state: str) -> str:
    """A SQLAlchemy URL for `--state`: a database URL as given, or a file path for SQLite."""
    if "://" in state:
        if state.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + state.split("://", 1)[1]
        return state
    path = Path(state).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


@dataclass
class StateStore:
    engine: sa.Engine

    @classmethod
    def open(cls, state: str) -> StateStore:
        try:
            engine = sa.create_engine(engine_url(state), future=True)
            create_tables(engine)
        except Exception as exc:  # noqa: BLE001 - any driver error means the store is unusable
            raise StateUnavailable(f"cannot open state store {redact(state)!r}: {exc.__class__.__name__}") from exc
        return cls(engine)

    def record_run(self, run_date: dt.date, mode: str, counts: dict[str, int], manifest_sha256: str,
                   inputs: list[dict]) -> None:
        """Remember a finished run and the input files it saw (a rerun of the date replaces it)."""
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            upsert(conn, runs, [{"run_date": run_date, "mode": mode, "manifest_sha256": manifest_sha256,
                                 "finished_at": now, **counts}],
                   update=["mode", "manifest_sha256", "finished_at", *counts])
            seen = [{"vendor_id": i["vendor_id"], "path": i["path"], "sha256": i["sha256"], "status": i["status"],
                     "first_run_date": run_date, "last_run_date": run_date} for i in inputs if i.get("sha256")]
            if seen:
                upsert(conn, input_files, seen, update=["status", "last_run_date"])

    def last_run(self) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(runs.select().order_by(runs.c.run_date.desc()).limit(1)).mappings().first()
        return dict(row) if row else None


def create_tables(engine: sa.Engine, attempts: int = 3) -> None:
    """Create the missing tables, so that workers opening a new database at the same moment do not collide: on
    PostgreSQL under an advisory lock; on SQLite, where another process may create a table between the check and
    the CREATE, by checking again."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
                metadata.create_all(conn)
            return
        except sa.exc.OperationalError as exc:
            if engine.dialect.name != "sqlite" or "already exists" not in str(exc.orig) or attempt == attempts:
                raise


def upsert(conn: sa.Connection, table: sa.Table, rows: list[dict], update: list[str]) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE, on SQLite and PostgreSQL alike."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    # executemany form: SQLAlchemy batches it into multi-row statements ("insertmanyvalues") itself
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update}), rows)


def redact(state: str) -> str:
    """The state location with any password removed, for messages and logs."""
    if "://" not in state or "@" not in state:
        return state
    scheme, rest = state.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
