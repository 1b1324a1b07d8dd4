"""The `eprovence` command line: `eprovence run …` (and `python -m pipeline run …`)."""
from __future__ import annotations

import datetime as dt
import logging
import sys
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="E-Provence: vendor product sheets in, Tmall Global upload feeds out.")
console = Console(stderr=True)


class Mode(StrEnum):
    full = "full"
    delta = "delta"


class TranslatorName(StrEnum):
    none = "none"
    google = "google"
    microsoft = "microsoft"
    mymemory = "mymemory"
    libre = "libre"
    baidu = "baidu"
    deepl = "deepl"


@app.callback()
def commands() -> None:
    """E-Provence: vendor product sheets in, Tmall Global upload feeds out."""


def _today_in_paris() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Paris")).date()


def _fail(message: str) -> None:
    print(f"eprovence: {message}", file=sys.stderr)
    raise typer.Exit(code=2)


@app.command()
def run(
    intake: Annotated[str, typer.Option(help="Intake root: <intake>/<vendor_id>/<files>; a folder or fsspec URL.")],
    out: Annotated[str, typer.Option(help="Feeds root; the run writes <out>/<date>/.")],
    state: Annotated[str, typer.Option(help="State store: a SQLite file path or a postgresql:// URL.")],
    date: Annotated[str | None, typer.Option(help="Logical date YYYY-MM-DD (default: today in Europe/Paris).")] = None,
    translator: Annotated[TranslatorName, typer.Option(help="Machine translation; none = memory only.")] = (
        TranslatorName.none),
    mode: Annotated[Mode, typer.Option(help="full: every publishable product; delta: only changes.")] = Mode.full,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary table.")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Processes working at once: reading vendor files "
                                                     "(each holds one file in memory), then localising (memory-only "
                                                     "runs), pricing and composing vendors' feeds.")] = 1,
) -> None:
    """Run the pipeline for one logical date. Exit 0 when the run completed, even with rejected rows."""
    from pipeline.extract.intake import IntakeUnavailable
    from pipeline.load.publish import OutputUnavailable
    from pipeline.load.state import StateUnavailable
    from pipeline.run import run as run_pipeline

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        run_date = dt.date.fromisoformat(date) if date else _today_in_paris()
    except ValueError:
        _fail(f"--date {date!r} is not a date in YYYY-MM-DD form")
    progress = Progress(TextColumn("reading sheets"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.description}"), console=console, transient=True, disable=quiet)
    with progress:
        task = progress.add_task("", total=None)
        try:
            summary = run_pipeline(
                intake, out, state, run_date, mode=mode.value, translator=translator.value, workers=workers,
                on_discovered=lambda n: progress.update(task, total=n),
                on_file=lambda f: progress.update(task, advance=1, description=f["path"]))
        except (IntakeUnavailable, OutputUnavailable, StateUnavailable, ValueError) as exc:
            progress.stop()
            _fail(str(exc).splitlines()[0])
    if not quiet:
        _print_summary(summary)


def _print_summary(summary, shown_rejects: int = 6) -> None:
    m = summary.manifest
    out = Console(width=None if sys.stdout.isatty() else 150)
    table = Table(title=f"E-Provence run {m['run_date']} ({m['mode']})")
    numbers = ("rows", "rejected", "pending", "published", "set aside")
    for column in ("vendor", "file", "read as", "status", *numbers):
        table.add_column(column, justify="right" if column in numbers else "left")
    for rec in m["inputs"]:
        status = "[red]quarantined[/red]" if rec["status"] == "quarantined" else rec["status"]
        read_as = " ".join(x for x in (rec.get("platform") or rec["format"], rec["encoding"]) if x) or "-"
        table.add_row(rec["vendor_id"] or "-", rec["path"].rsplit("/", 1)[-1], read_as, status,
                      *(str(rec[k]) for k in ("rows", "rows_rejected", "rows_pending", "rows_published")),
                      str(rec.get("rows_skipped", 0)))
    table.add_section()
    table.add_row("", "total", "", "", *(str(m[k]) for k in ("rows_in", "rows_rejected", "rows_pending",
                                                              "rows_published")),
                  str(sum(rec.get("rows_skipped", 0) for rec in m["inputs"])))
    out.print(table)
    for rec in m["inputs"]:
        if rec["status"] == "quarantined":
            out.print(f"quarantined {rec['path']}: {rec['error']}", markup=False)
    _print_reading(out, m["inputs"])
    rejects = summary.rejects.head(shown_rejects).to_dict("records")
    if rejects:
        out.print(f"first rejects (all {m['rows_rejected']} rejected rows are in rejects.csv):")
        for r in rejects[:shown_rejects]:
            out.print(f"  {r['source_file']} ligne {r['source_row']} [{r['rule']}] {r['message_fr']}", markup=False)
    if not summary.listings.empty:
        out.print(f"a few published listings (of {m['rows_published']}; EUR/CNY {m['fx']['rate']} of "
                  f"{m['fx']['rate_date']}):")
        for r in summary.listings.head(shown_rejects).itertuples():
            out.print(f"  {r.outer_id}  {r.title_zh}  {r.price_cny} CNY  (from {r.source_price} "
                      f"{r.source_currency})", markup=False)
    for warning in m.get("warnings", []):
        out.print(f"warning: {warning}", markup=False)
    out.print(f"rows_in {m['rows_in']} = published {m['rows_published']} + rejected {m['rows_rejected']}"
              f" + pending {m['rows_pending']}")
    out.print(f"feed folder: {summary.folder}")


def _print_reading(out: Console, inputs: list[dict], shown: int = 12) -> None:
    """Per file: the columns left unused (the first `shown`; all are in the manifest), and those taken on their
    content alone or with little confidence."""
    from pipeline.transform.reading_report import column_label

    for rec in inputs:
        unused = rec.get("columns_unused") or []
        if unused:
            more = f" (+{len(unused) - shown} more in manifest.json)" if len(unused) > shown else ""
            out.print(f"{rec['path']}: columns unused: {', '.join(unused[:shown])}{more}", markup=False)
        guessed = [f"{field} ← {column_label(d)} ({d['method']}, {d['confidence']})"
                   for field, d in (rec.get("columns") or {}).items()
                   if d.get("method") == "content" or (d.get("confidence") or 1) < 0.7]
        if guessed:
            out.print(f"{rec['path']}: columns taken with less confidence: {'; '.join(guessed)}", markup=False)


tm_app = typer.Typer(no_args_is_help=True,
                     help="Translation memory: import reviewed translations (.tmx/.csv), export the memory.")
app.add_typer(tm_app, name="tm")
StateOption = Annotated[str, typer.Option(help="State store: a SQLite file path or a postgresql:// URL.")]


@tm_app.command("import")
def tm_import(file: str, state: StateOption) -> None:
    """Import a TMX 1.4 or CSV file (a filled-in pending_translation.csv works as it is) as approved entries."""
    from pipeline.extract.tm_import import read_memory_file
    from pipeline.load.state import StateStore, StateUnavailable
    from pipeline.load.translation_memory import TranslationMemory

    try:
        entries, skipped = read_memory_file(file)
        stored = TranslationMemory(StateStore.open(state).engine).store(entries)
    except (ValueError, StateUnavailable) as exc:
        _fail(str(exc).splitlines()[0])
    print(f"{len(entries)} translations read, {stored} stored, {skipped} without a target skipped")


@tm_app.command("export")
def tm_export(file: str, state: StateOption) -> None:
    """Export the whole memory to FILE (.tmx or .csv, by its extension)."""
    from pipeline.load.state import StateStore, StateUnavailable
    from pipeline.load.tm_export import write_memory_file
    from pipeline.load.translation_memory import TranslationMemory

    try:
        count = write_memory_file(TranslationMemory(StateStore.open(state).engine).export(), file)
    except (ValueError, StateUnavailable) as exc:
        _fail(str(exc).splitlines()[0])
    print(f"{count} translations written to {file}")


@app.command()
def synth(
    rows: Annotated[int, typer.Option(help="Product rows to generate in all.")],
    out: Annotated[str, typer.Option(help="Folder to write intake/<vendor>/… and translations.csv into.")],
    vendors: Annotated[int, typer.Option(help="Number of vendors (one sheet each).")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 0,
) -> None:
    """Write realistic synthetic vendor sheets and a translations.csv covering all their texts."""
    from synth.generator import main as generate  # benchmark data, outside the pipeline's package

    try:
        generate(rows, vendors, seed, out)
    except ValueError as exc:
        _fail(str(exc))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
