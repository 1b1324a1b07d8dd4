"""The extract_file step: one vendor file read, mapped, parsed and validated in this process's reader child (with
the memory and time limits of config/limits.yaml), its valid rows written in parts, its rejects and record beside
them."""
from __future__ import annotations

import logging

from pipeline import config
from pipeline.config import RunSettings
from pipeline.extract.containment import ContainedReader, Limits
from pipeline.extract.intake import IntakeFile
from pipeline.load import work_area
from pipeline.records import input_record, quarantined
from pipeline.steps import delta_cache
from pipeline.steps.run_context import RunContext, timed
from pipeline.transform.rejects import empty_rejects

log = logging.getLogger("eprovence")
_READERS: dict = {}     # this process's ContainedReader, by limits: its child reads file after file until closed


@timed
def extract_file(ctx: RunContext, file: dict) -> str:
    """Read, map, parse and validate one vendor file; returns the URI of its result folder. A file marked
    `cached` by discover_inputs is not read: its record (status `skipped`) and rejects come from the cache."""
    file = dict(file)
    cached = file.pop("cached", None)
    intake_file = IntakeFile(**file)
    uri = f"{ctx.work}/files/{work_area.short_id(intake_file.path)}"
    if cached:
        return delta_cache.reuse_file_results(ctx, intake_file.path, cached, uri)
    return _contained_ingest(ctx, intake_file, uri)


def close_readers() -> None:
    """End this process's reader child: a run's last file is read (a later run forks one from the state then)."""
    for reader in _READERS.values():
        reader.close()
    _READERS.clear()


def _contained_ingest(ctx: RunContext, intake_file: IntakeFile, uri: str) -> str:
    """_ingest in this process's reader child (pipeline.extract.containment): a file that stops it is quarantined
    with the reason, and the run goes on."""
    from pipeline.ingest import prepare_reading  # Great Expectations (seconds to import): only where files are read

    prepare_reading(RunSettings(ctx.min_shelf_life_days))
    stopped = _reader().run(_ingest, ctx, intake_file, uri)
    if stopped is not None:
        _quarantine(ctx, intake_file, uri, str(stopped))
    return uri


def _reader() -> ContainedReader:
    limits = Limits.from_config(config.config_file("limits.yaml"))
    if limits not in _READERS:
        close_readers()
        _READERS[limits] = ContainedReader(limits)
    return _READERS[limits]


def _quarantine(ctx: RunContext, intake_file: IntakeFile, uri: str, reason: str) -> None:
    """The result of a file whose reading was stopped: quarantined with `reason`, no rows, no rejects (anything its
    reading wrote before is not listed, so not read)."""
    work_area.write_json(f"{uri}/valid.json", {"parts": []}, ctx.storage_options)
    work_area.write_frame(f"{uri}/rejects.arrow", empty_rejects(), ctx.storage_options)
    work_area.write_json(f"{uri}/record.json", quarantined(input_record(intake_file), reason), ctx.storage_options)
    log.error("%s: quarantined: %s", intake_file.path, reason)


def _ingest(ctx: RunContext, intake_file: IntakeFile, uri: str) -> str:
    """In the reader child: the file read chunk by chunk, each chunk's valid rows written as a part."""
    from pipeline.ingest import ingest_file  # Great Expectations (seconds to import): only where files are read

    parts: list[str] = []

    def keep(valid) -> None:
        parts.append(work_area.write_frame(f"{uri}/valid/{len(parts):05d}.arrow", valid, ctx.storage_options))

    result = ingest_file(ctx.intake, intake_file, ctx.date, RunSettings(ctx.min_shelf_life_days),
                         ctx.storage_options, chunk_rows=ctx.chunk_rows, emit=keep)
    # a file is handed on chunk by chunk in SKU order, each SKU once (process_file): so are its parts
    work_area.write_json(f"{uri}/valid.json", {"parts": parts}, ctx.storage_options)
    work_area.write_frame(f"{uri}/rejects.arrow", result.rejects, ctx.storage_options)
    work_area.write_json(f"{uri}/record.json", result.record, ctx.storage_options)
    rec = result.record
    log.info("%s: %s, %d rows, %d rejected, %d valid", rec["path"], rec["status"], rec["rows"],
             rec["rows_rejected"], rec["rows_valid"])
    return uri
