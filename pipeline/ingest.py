"""Ingest one vendor file: read, fold, map, parse and validate it; bad data quarantines or rejects, never raises."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from pipeline.config import RunSettings
from pipeline.extract.intake import IntakeFile, read_bytes, sha256_hex
from pipeline.extract.profiles import ProfileError, VendorProfile, load_profile
from pipeline.extract.readers import Sheet, UnreadableSheet, read_sheet
from pipeline.extract.sheet_stream import NotStreamable, spool_sheet
from pipeline.records import input_record, quarantined
from pipeline.transform.arrow_text import arrow_text
from pipeline.transform.columns import known_header_score, map_columns, mapped_values, source_columns
from pipeline.transform.parse import parse_products
from pipeline.transform.platforms import detect_platform, fold
from pipeline.transform.rejects import concat_rejects, empty_rejects, make_rejects
from pipeline.transform.sku_chunks import sku_chunk_bounds
from pipeline.transform.text import trim_text
from pipeline.transform.validate import KnownValues, validate

log = logging.getLogger("eprovence")
STREAM_BYTES = 64 << 20      # a CSV sheet from this size on is streamed (process_file)
KNOWN_VALUES = KnownValues()  # the checks' verdicts on the values this process has validated, for all its files


@dataclass
class FileResult:
    """What one vendor file became: its manifest entry, its valid rows (unless they were handed on chunk by chunk)
    and its rejects."""

    record: dict
    valid: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    rows_valid: int | None = None           # when the valid rows were handed on; else len(valid)

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects.drop_duplicates(["source_file", "source_row"]).shape[0])


def process_file(file: IntakeFile, profile: VendorProfile, run_date: dt.date, settings: RunSettings,
                 storage_options: dict | None = None, *, chunk_rows: int | None = None,
                 emit: Callable[[pd.DataFrame], None] | None = None, stream_bytes: int = STREAM_BYTES) -> FileResult:
    """Read, map, parse and validate one vendor file. Bad data never raises: it quarantines or rejects.

    With `emit`, a file of more than about `chunk_rows` rows is parsed and validated that many at a time in SKU
    order (the rows of a SKU in one chunk, so that uniqueness within the file is still checked), and each chunk's
    valid rows go to `emit` instead of into the result. A CSV file of `stream_bytes` or more is then streamed
    (pipeline.extract.sheet_stream) when it can be, so that memory follows the chunk, not the file; any other is
    read whole first. A file that turns out quarantined may already have emitted rows: they must be ignored."""
    record = input_record(file)
    try:
        result = None
        if emit is not None and chunk_rows and file.size >= stream_bytes:
            result = _streamed(file, profile, run_date, settings, record, chunk_rows, emit, storage_options)
        if result is None:
            data = read_bytes(file, storage_options)
            record["sha256"] = sha256_hex(data)
            sheet = read_sheet(data, file.path, profile, header_score=_header_score(profile))
            del data                                        # the file's bytes: its sheet holds what is needed
            record.update(format=sheet.format, encoding=sheet.encoding, rows_raw=sheet.raw_rows)
            result = _rows_of_sheet(sheet, file, profile, run_date, settings, record, chunk_rows, emit)
    except UnreadableSheet as exc:
        return FileResult(quarantined(record, f"{exc.reason_fr} / {exc.reason_en}"))
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
        log.error("internal error on %s:\n%s", file.path, traceback.format_exc())
        return FileResult(quarantined(record, f"erreur interne / internal error: {exc.__class__.__name__}: {exc}"))
    if result.rows_valid is None:
        result.rows_valid = len(result.valid)
    record.update(rows_rejected=result.rows_rejected, rows_valid=result.rows_valid)
    return result


def _header_score(profile: VendorProfile) -> Callable:
    return functools.partial(known_header_score, also_known=tuple(profile.columns))


def _rows_of_sheet(sheet: Sheet, file: IntakeFile, profile: VendorProfile, run_date: dt.date,
                   settings: RunSettings, record: dict, chunk_rows: int | None = None,
                   emit: Callable[[pd.DataFrame], None] | None = None) -> FileResult:
    frame = sheet.frame.assign(vendor_id=file.vendor_id, source_file=file.path)
    platform = detect_platform([c for c in sheet.frame.columns if c != "source_row"])
    if platform:
        frame = fold(frame, platform)
    text, _mapping, conflicts = map_columns(frame, platform=platform, overrides=profile.columns,
                                            defaults=_defaults(profile))
    del frame
    record.update(platform=platform, rows=len(text) + len(sheet.ragged))
    conflict_rejects = _conflict_rejects(conflicts, text)
    kept: list[pd.DataFrame] = []
    pieces = ((piece, conflict_rejects) for piece in (_sku_chunks(text, chunk_rows) if emit else [text]))
    rejects, rows_valid = _checked(pieces, run_date, settings, emit or kept.append)
    ragged = sheet.ragged.assign(vendor_id=file.vendor_id, source_file=file.path, sku=pd.NA)
    ragged_rejects = make_rejects(ragged, field="row", rule="ragged_row", value=pd.Series("", index=ragged.index),
                                  cells=ragged["cells"], expected=ragged["expected"])
    return FileResult(record, kept[0] if kept else pd.DataFrame(),
                      concat_rejects([ragged_rejects, conflict_rejects, *rejects]), rows_valid)


def _streamed(file: IntakeFile, profile: VendorProfile, run_date: dt.date, settings: RunSettings, record: dict,
              chunk_rows: int, emit: Callable[[pd.DataFrame], None],
              storage_options: dict | None) -> FileResult | None:
    """_rows_of_sheet for a sheet streamed in chunks; None when it must be read whole (before anything is emitted)."""
    with tempfile.TemporaryDirectory(prefix="eprovence-sheet-") as folder:
        try:
            sheet = spool_sheet(file, profile, _header_score(profile), folder, storage_options)
            if detect_platform(sheet.names):
                raise NotStreamable("a platform export, folded across its rows")
            plan = sheet.chunk_plan(source_columns(sheet.names, "sku", overrides=profile.columns),
                                    functools.partial(_sku_key, header=sheet.names, overrides=profile.columns),
                                    chunk_rows)
        except NotStreamable as exc:
            log.info("%s: read whole, not streamed: %s", file.path, exc)
            return None
        record.update(sha256=sheet.sha256, format="csv", encoding=sheet.encoding, rows_raw=plan.rows, platform=None,
                      rows=plan.rows)
        conflict_rejects: list[pd.DataFrame] = []

        def pieces() -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
            for frame in sheet.chunks(plan):
                text, _mapping, conflicts = map_columns(frame.assign(vendor_id=file.vendor_id, source_file=file.path),
                                                        platform=None, overrides=profile.columns,
                                                        defaults=_defaults(profile))
                conflict_rejects.append(_conflict_rejects(conflicts, text))
                yield text, conflict_rejects[-1]

        rejects, rows_valid = _checked(pieces(), run_date, settings, emit)
    return FileResult(record, rejects=concat_rejects([*conflict_rejects, *rejects]), rows_valid=rows_valid)


def _sku_key(frame: pd.DataFrame, header: list[str], overrides: dict[str, str]) -> pa.Array:
    """The SKU uniqueness is checked on (as _sku_chunks takes it) of a frame holding the SKU's source columns."""
    return arrow_text(trim_text(mapped_values(frame, "sku", header=header, overrides=overrides)))


def _checked(pieces: Iterable[tuple[pd.DataFrame, pd.DataFrame]], run_date: dt.date, settings: RunSettings,
             emit: Callable[[pd.DataFrame], None]) -> tuple[list[pd.DataFrame], int]:
    """Parse and validate each (piece of the text frame, conflict rejects of its rows); each piece's valid rows
    without conflicts go to `emit`. Returns (the pieces' rejects, valid rows)."""
    rejects, rows_valid = [], 0
    for piece, conflict_rejects in pieces:
        valid, piece_rejects = validate(parse_products(piece, run_date),
                                        min_shelf_life_days=settings.min_shelf_life_days, known=KNOWN_VALUES)
        if not conflict_rejects.empty:
            valid = valid[~valid["source_row"].isin(conflict_rejects["source_row"])]
        rejects.append(piece_rejects)
        rows_valid += len(valid)
        emit(valid.reset_index(drop=True))
    return rejects, rows_valid


def _sku_chunks(text: pd.DataFrame, chunk_rows: int | None) -> Iterator[pd.DataFrame]:
    """The rows in SKU order (the SKU as its parser trims it, the key uniqueness is checked on; missing ones last)
    cut into pieces of about `chunk_rows` rows where the SKU changes (sku_chunk_bounds). Rows without a SKU
    column stay as they are (they are all rejected)."""
    if "sku" not in text:
        yield text
        return
    order, bounds = sku_chunk_bounds(arrow_text(trim_text(text["sku"])), chunk_rows)
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        yield text.iloc[order[start:end]].reset_index(drop=True)


def _conflict_rejects(conflicts: pd.DataFrame, text: pd.DataFrame) -> pd.DataFrame:
    if conflicts.empty:
        return empty_rejects()
    lineage = text[["source_row", "vendor_id", "source_file", "sku"]]
    rows = conflicts.merge(lineage, on="source_row", how="left")
    parts = [make_rejects(group, field=name, rule="conflicting_columns", value=group["value"],
                          detail=group["detail"]) for name, group in rows.groupby("field", sort=True)]
    return concat_rejects(parts)


def _defaults(profile: VendorProfile) -> dict[str, str]:
    defaults = {"brand": profile.brand or profile.vendor_name or profile.vendor_id,
                "currency": profile.currency, "origin": profile.origin}
    if profile.price_includes_vat is not None:
        defaults["price_includes_vat"] = "true" if profile.price_includes_vat else "false"
    return defaults


def ingest_file(intake: str, file: IntakeFile, run_date: dt.date, settings: RunSettings,
                storage_options: dict | None = None, *, chunk_rows: int | None = None,
                emit: Callable[[pd.DataFrame], None] | None = None, stream_bytes: int = STREAM_BYTES) -> FileResult:
    """process_file() with the vendor's profile loaded; its valid rows carry the profile's localisation and
    pricing choices (source_lang, opencc_config, product_class). An invalid profile quarantines the file."""
    try:
        profile = load_profile(intake, file.vendor_id, storage_options)
    except ProfileError as exc:
        return FileResult(quarantined(input_record(file), f"profil invalide / invalid profile: {exc}"))
    def localisation(valid: pd.DataFrame) -> pd.DataFrame:
        return valid.assign(source_lang=profile.source_lang, opencc_config=profile.opencc_config,
                            product_class=profile.product_class)

    result = process_file(file, profile, run_date, settings, storage_options, chunk_rows=chunk_rows,
                          emit=(lambda valid: emit(localisation(valid))) if emit else None, stream_bytes=stream_bytes)
    result.valid = localisation(result.valid)
    return result
