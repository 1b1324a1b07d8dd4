import datetime as dt

import pytest

from pipeline.load.state import StateStore, StateUnavailable, engine_url, redact

COUNTS = {"rows_in": 3, "rows_published": 0, "rows_rejected": 1, "rows_pending": 2}
INPUTS = [{"vendor_id": "v", "path": "v/a.csv", "sha256": "ab" * 32, "status": "processed"},
          {"vendor_id": "v", "path": "v/bad.csv", "sha256": None, "status": "quarantined"}]


def _exercise(store: StateStore) -> None:
    day = dt.date(2026, 11, 20)
    store.record_run(day, "full", COUNTS, "0" * 64, INPUTS)
    store.record_run(day, "full", {**COUNTS, "rows_pending": 1, "rows_rejected": 2}, "1" * 64, INPUTS)
    last = store.last_run()
    assert last["run_date"] == day and last["rows_rejected"] == 2 and last["manifest_sha256"] == "1" * 64
    store.record_run(dt.date(2026, 11, 21), "delta", COUNTS, "2" * 64, INPUTS)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("select path, first_run_date, last_run_date from input_files").all()
    assert len(rows) == 1
    assert str(rows[0][1]) == "2026-11-20" and str(rows[0][2]) == "2026-11-21"


def test_sqlite_store(tmp_path):
    _exercise(StateStore.open(str(tmp_path / "state" / "e.db")))


@pytest.mark.postgres
def test_postgres_store(postgres_url):
    _exercise(StateStore.open(postgres_url))


def test_urls_and_redaction(tmp_path):
    assert engine_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert engine_url(str(tmp_path / "x.db")).startswith("sqlite:///")
    assert redact("postgresql://user:secret@host/db") == "postgresql://user:***@host/db"


def test_unreachable_database_is_one_clear_error():
    with pytest.raises(StateUnavailable) as err:
        StateStore.open("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(err.value)


def test_a_table_created_by_another_process_between_check_and_create_is_checked_again(tmp_path, monkeypatch):
    import sqlalchemy as sa

    from pipeline.load import state

    path = tmp_path / "new.db"
    real_create_all, calls = sa.MetaData.create_all, []

    def another_process_was_faster(self, bind, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:            # the tables appear after this check found them missing: CREATE fails
            real_create_all(self, sa.create_engine(f"sqlite:///{path}"))
            return real_create_all(self, bind, checkfirst=False)
        return real_create_all(self, bind, **kwargs)

    monkeypatch.setattr(sa.MetaData, "create_all", another_process_was_faster)
    _exercise(StateStore.open(str(path)))
    assert len(calls) == 2 and set(state.metadata.tables) <= set(sa.inspect(sa.create_engine(f"sqlite:///{path}"))
                                                                   .get_table_names())
