"""tmall_feed_nightly: at 02:30 Paris time every night, turns the vendors' sheets into that day's Tmall feed.

Same library code as `eprovence run`: each task calls the step of `pipeline.steps` it is named after, and
tasks hand each other only small references (the run's context and URIs in the run's work area
`<feeds>/.work/<date>/`), never data.

    run_context → refresh_rates → discover_inputs → extract_file (one per vendor file, named after it)
      → localize_rows (pool `translation_api`) → price_and_map → publish_feed (Asset `eprovence_tmall_feed`)

**Run date.** The Paris calendar day of the run's logical date. The schedule is a cron *trigger*
(`30 2 * * *`, Europe/Paris), so the logical date is the moment the run fires: the run at 02:30 on
26 November publishes `<feeds>/2026-11-26/` from everything vendors dropped until then, the feed a
merchandiser looks for that morning, and the date `eprovence run` uses by default when run that night.
A backfill of a day publishes that day's folder; a manual run publishes today's.

**Configuration**, Airflow Variables read by `run_context` when the run starts (never at parse time), so
`AIRFLOW_VAR_EPROVENCE_INTAKE` and the like work too:
`eprovence_intake` (default `<project>/data/samples/intake`), `eprovence_feeds` (default `<project>/out`),
`eprovence_state` (default `<project>/state/eprovence.db`, or a `postgresql://user@host/db` URL without a
password: the password comes from `PGPASSWORD` or `~/.pgpass` on the workers), `eprovence_translator`
(default `none`), `eprovence_task_processes` (default 1: processes that localize_rows, in memory-only runs,
price_and_map and publish_feed each use for their vendors within one task; files are already spread over
mapped tasks). Any fsspec URL (`s3://…`) works for intake and feeds; its credentials come from the workers'
environment (e.g. `AWS_*`, instance role).

**Params** of a manual run: `mode` (full | delta) and `translator` (empty: the Variable
`eprovence_translator`). Translator keys come from the workers' environment (`DEEPL_AUTH_KEY`,
`LIBRETRANSLATE_URL`, `LIBRE_API_KEY`, …), overlaid with the extras of the Airflow Connection
`eprovence_translator` when it exists (e.g. `{"DEEPL_AUTH_KEY": "…"}`); their values are masked in logs.

**Retries.** Steps that read or write storage retry three times with exponential backoff. Bad data never
fails a task (it is rejected or quarantined and reported in the feed). Failing at once, without retries:
a stale exchange rate (the ECB publishes once a day, so minutes will not help: fix the rate source and
clear the run) and a bad translator setting. To redo a date, clear the whole run: `publish_feed`
removes the work area the steps shared.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, TriggerRule, dag, get_current_context, task

log = logging.getLogger(__name__)

PARIS = "Europe/Paris"
FEED = Asset(name="eprovence_tmall_feed")
TRANSLATOR_CONNECTION = "eprovence_translator"
# The choices of `eprovence run --mode / --translator` (pipeline.cli, pipeline.extract.translators),
# repeated here so that parsing this file imports nothing from the pipeline; a test keeps them equal.
MODES = ("full", "delta")
TRANSLATORS = ("none", "google", "microsoft", "mymemory", "libre", "baidu", "deepl")
STORAGE_RETRIES = {"retries": 3, "retry_delay": timedelta(minutes=1), "retry_exponential_backoff": 2.0,
                   "max_retry_delay": timedelta(minutes=15)}


@dag(
    dag_id="tmall_feed_nightly",
    schedule=CronTriggerTimetable("30 2 * * *", timezone=PARIS),
    start_date=pendulum.datetime(2026, 1, 1, tz=PARIS),
    catchup=False,
    max_active_runs=1,
    tags=["eprovence", "tmall", "feeds"],
    doc_md=__doc__,
    params={
        "mode": Param("full", enum=list(MODES),
                      description="full: every publishable product; delta: only changes"),
        "translator": Param(None, type=["null", "string"], enum=[None, *TRANSLATORS],
                            description="machine translation; empty: the Variable eprovence_translator"),
    },
)
def tmall_feed_nightly() -> None:
    ctx = run_context()
    rates_uri = refresh_rates(ctx)
    files = discover_inputs(ctx)
    rates_uri >> files   # a stale rate stops the run before any file is read
    file_uris = extract_file.partial(ctx=ctx).expand(file=files)
    localized_uri = localize_rows(ctx, file_uris)
    listings_uri = price_and_map(ctx, localized_uri, rates_uri)
    publish_feed(ctx, file_uris, localized_uri, listings_uri, rates_uri)


@task
def run_context(**context) -> dict:
    """Where this run reads and writes, its date and options, read once so that every task agrees."""
    from pathlib import Path

    from pipeline.steps.run_context import RunContext

    project = Path(__file__).resolve().parent.parent
    params = context["params"]
    ctx = RunContext(
        intake=setting("eprovence_intake", project / "data" / "samples" / "intake"),
        out=setting("eprovence_feeds", project / "out"),
        state=checked_state(setting("eprovence_state", project / "state" / "eprovence.db")),
        run_date=run_date(context["dag_run"]),
        mode=params["mode"],
        translator=params["translator"] or setting("eprovence_translator", "none"),
        workers=int(setting("eprovence_task_processes", 1)),
    )
    log.info("run %s (%s, translator %s): intake %s, feeds %s, state %s", ctx.run_date, ctx.mode,
             ctx.translator, ctx.intake, ctx.out, ctx.state)
    return ctx.to_dict()


def setting(name: str, default: object) -> str:
    """The Airflow Variable `name` (or the environment variable AIRFLOW_VAR_<NAME>); `default` when it is
    unset or empty."""
    from airflow.sdk import Variable

    return Variable.get(name, default=None) or str(default)


def run_date(dag_run) -> str:
    """The Paris calendar day of the run's logical date (of when it was due, for a run that has none)."""
    moment = dag_run.logical_date or dag_run.run_after
    return moment.astimezone(ZoneInfo(PARIS)).date().isoformat()


def checked_state(state: str) -> str:
    """The state store location as given; a database URL holding a password fails the run, since the run's
    context is kept in XCom, which the UI shows."""
    from urllib.parse import urlsplit

    from airflow.sdk.exceptions import AirflowFailException

    if "://" in state and urlsplit(state).password:
        raise AirflowFailException("the Variable eprovence_state holds a password: remove it and give it to "
                                   "the workers as PGPASSWORD or in ~/.pgpass")
    return state


@task(**STORAGE_RETRIES)
def refresh_rates(ctx: dict) -> str:
    """The ECB rate snapshot for the run date; a stale rate fails the run at once."""
    from airflow.sdk.exceptions import AirflowFailException

    from pipeline.steps import refresh_rates as step
    from pipeline.steps.run_context import RunContext
    from pipeline.transform.fx import StaleRate

    try:
        return step.refresh_rates(RunContext(**ctx))
    except StaleRate as exc:
        raise AirflowFailException(str(exc)) from exc


@task(**STORAGE_RETRIES)
def discover_inputs(ctx: dict) -> list[dict]:
    from pipeline.steps import discover_inputs as step
    from pipeline.steps.run_context import RunContext

    return step.discover_inputs(RunContext(**ctx))


@task(map_index_template="{{ vendor_file }}", **STORAGE_RETRIES)
def extract_file(ctx: dict, file: dict) -> str:
    """Read, map, parse and validate one vendor file; shown in the UI under its path."""
    from pipeline.steps import extract_file as step
    from pipeline.steps.run_context import RunContext

    get_current_context()["vendor_file"] = file["path"]   # the context map_index_template is rendered with
    try:
        return step.extract_file(RunContext(**ctx), file)
    finally:
        step.close_readers()                              # the task's reader child ends with the task


@task(pool="translation_api", trigger_rule=TriggerRule.NONE_FAILED, **STORAGE_RETRIES)
def localize_rows(ctx: dict, file_uris: list[str]) -> str:
    """Localise every valid row; runs without files too (an empty intake still publishes its feed)."""
    from airflow.sdk.exceptions import AirflowFailException

    from pipeline.extract.translators import make_translator
    from pipeline.steps import localize_rows as step
    from pipeline.steps.run_context import RunContext

    run = RunContext(**ctx)
    try:
        translator = make_translator(run.translator, env=translator_env(run.translator))
    except ValueError as exc:   # an unknown translator or a missing key: configuration, not worth a retry
        raise AirflowFailException(str(exc)) from exc
    return step.localize_rows(run, _listed(file_uris), translator=translator)


def _listed(file_uris) -> list[str]:
    """The mapped extract's results as a list in one request (iterating asks once per item and once past
    the end, which Airflow logs as an error)."""
    return list(file_uris[:])


def translator_env(translator: str) -> dict[str, str]:
    """The workers' environment overlaid with the extras of the Connection `eprovence_translator` (if any);
    the translator's endpoint and key values are masked in the task logs."""
    import os

    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow.sdk.log import mask_secret

    from pipeline.extract.translators import REQUIRED_ENV

    env = dict(os.environ)
    if translator == "none":
        return env
    try:
        connection = Connection.get(TRANSLATOR_CONNECTION)
        extras = {name: str(value) for name, value in connection.extra_dejson.items()}
    except AirflowNotFoundException:
        extras = {}
    env.update(extras)
    for name in {*extras, *REQUIRED_ENV.get(translator, ())}:
        if env.get(name):
            mask_secret(env[name])   # given a name, Airflow would mask only names like *password*, *api_key*
    return env


@task(**STORAGE_RETRIES)
def price_and_map(ctx: dict, localized_uri: str, rates_uri: str) -> str:
    from pipeline.steps import price_and_map as step
    from pipeline.steps.run_context import RunContext

    return step.price_and_map(RunContext(**ctx), localized_uri, rates_uri)


@task(outlets=[FEED], trigger_rule=TriggerRule.NONE_FAILED, **STORAGE_RETRIES)
def publish_feed(ctx: dict, file_uris: list[str], localized_uri: str, listings_uri: str, rates_uri: str,
                 **context) -> dict:
    """Publish `<feeds>/<date>/` atomically; the Asset event's extra names the folder and its counts."""
    from pipeline.steps import publish_feed as step
    from pipeline.steps.run_context import RunContext

    run = RunContext(**ctx)
    summary = step.publish_feed(run, _listed(file_uris), localized_uri, listings_uri, rates_uri)
    log.info("published %(folder)s: rows_in %(rows_in)s = published %(rows_published)s + rejected "
             "%(rows_rejected)s + pending %(rows_pending)s", summary)
    context["outlet_events"][FEED].extra = {"run_date": run.run_date, **summary}
    return summary


tmall_feed_nightly()
