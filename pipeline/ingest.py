"""Ingest one vendor file: read, fold, map, parse and validate it; bad data quarantines or rejects, never raises."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import config
from pipeline.config import RunSettings
from pipeline.extract.intake import IntakeFile, read_bytes, sha256_hex
from pipeline.extract.profiles import ProfileError, VendorProfile, load_profile
from pipeline.extract.readers import Sheet, UnreadableSheet, read_sheet
from pipeline.extract.sheet_stream import ChunkPlan, NotStreamable, SpooledSheet, spool_sheet
from pipeline.records import input_record, quarantined
from pipeline.transform.arrow_text import arrow_text
from pipeline.transform.column_content import SAMPLE_ROWS
from pipeline.transform.column_plan import ColumnPlan
from pipeline.transform.column_roles import decide_columns
from pipeline.transform.columns import apply_plan, sku_columns, sku_values
from pipeline.transform.lineage import ROW_IDENTITY
from pipeline.transform.parse import parse_products
from pipeline.transform.platforms import detect_platform, fold
from pipeline.transform.reading_report import missing_column_rejects, missing_reason, reading_record
from pipeline.transform.reading_tables import header_recogniser
from pipeline.transform.rejects import concat_rejects, empty_rejects, make_rejects, rejected_rows
from pipeline.transform.sheet_layout import after_table, fill_down, filled_cells, layout_skips, stray_rows
from pipeline.transform.sku_chunks import sku_chunk_bounds
from pipeline.transform.text import trim_text
from pipeline.transform.validate import KnownValues, validate
from pipeline.transform.validate import prepare as prepare_validation

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
        return int(rejected_rows(self.rejects).shape[0])


class MissingColumns(Exception):
    """No column of a sheet can give a required field: the file is quarantined with one reject per field."""

    def __init__(self, plan: ColumnPlan) -> None:
        super().__init__(", ".join(plan.missing))
        self.plan = plan


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
            sheet = read_sheet(data, file.path, profile, recognised=_recognised(profile))
            del data                                        # the file's bytes: its sheet holds what is needed
            record.update(format=sheet.format, encoding=sheet.encoding, rows_raw=sheet.raw_rows)
            result = _rows_of_sheet(sheet, file, profile, run_date, settings, record, chunk_rows, emit)
    except UnreadableSheet as exc:
        return FileResult(quarantined(record, f"{exc.reason_fr} / {exc.reason_en}"))
    except MissingColumns as exc:
        fr, en = missing_reason(exc.plan, config.settings())
        record["missing_columns"] = list(exc.plan.missing)
        return FileResult(quarantined(record, f"{fr} / {en}"),
                          rejects=missing_column_rejects(exc.plan, file.vendor_id, file.path, config.settings()))
    except MemoryError:
        raise                   # the reader's memory limit: its process (pipeline.extract.containment) tells
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
        log.error("internal error on %s:\n%s", file.path, traceback.format_exc())
        return FileResult(quarantined(record, f"erreur interne / internal error: {exc.__class__.__name__}: {exc}"))
    if result.rows_valid is None:
        result.rows_valid = len(result.valid)
    record.update(rows_rejected=result.rows_rejected, rows_valid=result.rows_valid)
    return result


def _recognised(profile: VendorProfile) -> Callable[[str], bool]:
    return header_recogniser(config.settings().reading, also_known=tuple(profile.columns))


def _rows_of_sheet(sheet: Sheet, file: IntakeFile, profile: VendorProfile, run_date: dt.date,
                   settings: RunSettings, record: dict, chunk_rows: int | None = None,
                   emit: Callable[[pd.DataFrame], None] | None = None) -> FileResult:
    frame = sheet.frame.assign(vendor_id=file.vendor_id, source_file=file.path)
    names = [c for c in sheet.frame.columns if c != "source_row"]
    counts = filled_cells(frame, names)
    layout = layout_skips(frame, names, counts)
    tables = config.settings().reading
    platform = None if sheet.headerless else detect_platform(names, tables.platforms)
    rows = fold(frame[layout.isna()], platform, tables.platforms) if platform else frame[layout.isna()]
    plan = decide_columns(rows.head(SAMPLE_ROWS), tables, platform=platform, overrides=profile.columns,
                          headerless=sheet.headerless)
    record.update(platform=platform, **reading_record(plan, sheet.header_row, sheet.sheet_name))
    if plan.missing:
        raise MissingColumns(plan)
    if platform is None:
        frame, filled = _filled_down(frame, layout, plan, sheet.merged_down)
        record["columns_filled_down"] = [c for c in frame.columns if c in filled or c in sheet.merged_down]
        text, conflicts, dropped = _chunk_text(frame, names, plan, profile, layout, counts)
    else:                               # the folded units, then the rows the layout set aside
        text, conflicts, dropped = _chunk_text(rows, names, plan, profile, pd.Series(pd.NA, index=rows.index))
        dropped = pd.concat([dropped, _set_aside(frame, layout)], ignore_index=True)
    del frame, rows
    record.update(rows=len(text) + len(sheet.ragged) + len(sheet.broken),
                  **_skipped_record(pd.concat([sheet.skipped, dropped], ignore_index=True), text["source_row"]),
                  skus_derived=_derived_counts(text))
    conflict_rejects = _conflict_rejects(conflicts, text)
    kept: list[pd.DataFrame] = []
    pieces = ((piece, conflict_rejects) for piece in (_sku_chunks(text, chunk_rows) if emit else [text]))
    rejects, rows_valid = _checked(pieces, run_date, settings, emit or kept.append)
    return FileResult(record, kept[0] if kept else pd.DataFrame(),
                      concat_rejects([*_reader_rejects(sheet, file), conflict_rejects, *rejects]), rows_valid)


def _reader_rejects(sheet: Sheet, file: IntakeFile) -> list[pd.DataFrame]:
    """The rows the reader left out of the sheet's frame, each rejected: ragged ones, and those it could not read
    right (sheet.broken: a rule of their own each)."""
    ragged = sheet.ragged.assign(vendor_id=file.vendor_id, source_file=file.path, sku=pd.NA)
    found = [make_rejects(ragged, field="row", rule="ragged_row", settings=config.settings(),
                          value=pd.Series("", index=ragged.index), cells=ragged["cells"], expected=ragged["expected"])]
    broken = sheet.broken.assign(vendor_id=file.vendor_id, source_file=file.path, sku=pd.NA)
    for rule, rows in broken.groupby("rule", sort=True):
        found.append(make_rejects(rows, field="row", rule=rule, settings=config.settings(), value=rows["value"]))
    return found


def _streamed(file: IntakeFile, profile: VendorProfile, run_date: dt.date, settings: RunSettings, record: dict,
              chunk_rows: int, emit: Callable[[pd.DataFrame], None],
              storage_options: dict | None) -> FileResult | None:
    """_rows_of_sheet for a sheet streamed in chunks, its columns decided on its first rows; None when it must be
    read whole (before anything is emitted)."""
    with tempfile.TemporaryDirectory(prefix="eprovence-sheet-") as folder:
        try:
            sheet, plan, chunking = _stream_plan(file, profile, folder, chunk_rows, storage_options)
        except NotStreamable as exc:
            log.info("%s: read whole, not streamed: %s", file.path, exc)
            return None
        record.update(sha256=sheet.sha256, format="csv", encoding=sheet.encoding, rows_raw=chunking.rows, platform=None,
                      **reading_record(plan, sheet.header_row))
        conflict_rejects: list[pd.DataFrame] = []
        skipped = [sheet.skipped(), pd.DataFrame({"source_row": chunking.blank_rows, "reason": "blank"})]
        products: list[pd.Series] = []
        derived: list[dict] = []

        def pieces() -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
            for frame in sheet.chunks(chunking):
                text, conflicts, dropped = _chunk_text(frame.assign(vendor_id=file.vendor_id, source_file=file.path),
                                                       sheet.names, plan, profile)
                skipped.append(dropped)
                products.append(text["source_row"])
                derived.append(_derived_counts(text))
                conflict_rejects.append(_conflict_rejects(conflicts, text))
                yield text, conflict_rejects[-1]

        rejects, rows_valid = _checked(pieces(), run_date, settings, emit)
    rows = pd.concat(products, ignore_index=True) if products else pd.Series(dtype="int64")
    record.update(rows=len(rows), **_skipped_record(pd.concat(skipped, ignore_index=True), rows),
                  skus_derived=dict(sorted(sum((Counter(d) for d in derived), Counter()).items())))
    return FileResult(record, rejects=concat_rejects([*conflict_rejects, *rejects]), rows_valid=rows_valid)


def _stream_plan(file: IntakeFile, profile: VendorProfile, folder: str, chunk_rows: int,
                 storage_options: dict | None) -> tuple[SpooledSheet, ColumnPlan, ChunkPlan]:
    """The spooled sheet, its column plan (decided on its first rows) and its chunks; NotStreamable for a sheet
    the whole-file reader must take; MissingColumns for one none of whose columns can give a required field."""
    sheet = spool_sheet(file, profile, _recognised(profile), folder, storage_options)
    if detect_platform(sheet.names, config.settings().reading.platforms):
        raise NotStreamable("a platform export, folded across its rows")
    sample = sheet.sample()
    layout = layout_skips(sample, sheet.names)
    plan = decide_columns(sample[layout.isna()], config.settings().reading, overrides=profile.columns)
    if plan.missing:
        raise MissingColumns(plan)
    if _filled_down(sample, layout, plan)[1]:
        raise NotStreamable("columns written once per group, to fill down in file order")
    return sheet, plan, sheet.chunk_plan(sku_columns(plan), functools.partial(_sku_key, plan=plan), chunk_rows)


def _chunk_text(frame: pd.DataFrame, names: list[str], plan: ColumnPlan, profile: VendorProfile,
                layout: pd.Series | None = None, counts: np.ndarray | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(text frame of the product rows of a sheet or chunk, conflicts, its rows set aside: source_row, reason).
    `layout` and `counts`: the rows' sheet_layout.layout_skips and filled cells, when known."""
    counts = filled_cells(frame, [n for n in names if n in frame]) if counts is None else counts
    layout = layout_skips(frame, names, counts) if layout is None else layout
    products = layout.isna().to_numpy()
    rows = frame if products.all() else frame[products]
    filled = pd.Series(counts[products])
    text, conflicts = apply_plan(rows, plan, config.settings().reading, _defaults(profile))
    strays = _strays(text, filled)
    dropped = pd.concat([_set_aside(frame, layout), _set_aside(text, strays)], ignore_index=True)
    return text[strays.isna()].reset_index(drop=True), conflicts, dropped


def _set_aside(frame: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    """source_row and reason of the rows of `frame` that have one."""
    return pd.DataFrame({"source_row": frame["source_row"][reasons.notna()].to_numpy(dtype="int64"),
                         "reason": reasons.dropna().to_numpy(dtype=object)})


def _sku_key(frame: pd.DataFrame, plan: ColumnPlan) -> pa.Array:
    """The SKU uniqueness is checked on (as _sku_chunks takes it) of a frame holding the SKU's source columns."""
    return arrow_text(trim_text(sku_values(frame, plan, config.settings().reading)))


def _filled_down(frame: pd.DataFrame, layout: pd.Series, plan: ColumnPlan, merged: Collection[str] = ()
                 ) -> tuple[pd.DataFrame, list[str]]:
    """The sheet with the columns its layout writes once per group filled into the group's priced rows
    (pipeline.transform.sheet_layout.fill_down): the title, brand, category, description and attributes. A sheet
    whose first rows show no such group, and with no cells merged down, is left as it is."""
    titles = plan.columns_of("title")
    groups = [c for t in ("brand", "category", "description") for c in plan.columns_of(t)] + list(plan.attributes)
    prices = plan.columns_of("price")
    if not prices:
        return frame, []
    priced = frame[prices].notna().any(axis=1) & layout.isna()
    title = titles[0] if len(titles) == 1 else None
    if not merged and not fill_down(frame.head(SAMPLE_ROWS), groups, title, priced.head(SAMPLE_ROWS))[1]:
        return frame, []
    return fill_down(frame, groups, title, priced, merged)


def _strays(text: pd.DataFrame, filled: pd.Series) -> pd.Series:
    """sheet_layout.stray_rows of a text frame: a row names a product by its title, barcode or own reference."""
    named = text[["title", "title_zh", "barcode"]].notna().any(axis=1) | (
        text["sku"].notna() & text["sku_derived"].isna())
    return stray_rows(named, text["price"].notna(), filled)


def _skipped_record(skipped: pd.DataFrame, product_rows: pd.Series) -> dict:
    last = int(product_rows.max()) if len(product_rows) else None
    reasons = after_table(skipped["source_row"], skipped["reason"], last)
    counts = reasons.value_counts()
    return {"rows_skipped": int(counts.sum()), "rows_skipped_by_reason": {k: int(v) for k, v in sorted(counts.items())}}


def _derived_counts(text: pd.DataFrame) -> dict:
    counts = text["sku_derived"].value_counts()
    return {k: int(v) for k, v in sorted(counts.items())}


def _checked(pieces: Iterable[tuple[pd.DataFrame, pd.DataFrame]], run_date: dt.date, settings: RunSettings,
             emit: Callable[[pd.DataFrame], None]) -> tuple[list[pd.DataFrame], int]:
    """Parse and validate each (piece of the text frame, conflict rejects of its rows); each piece's valid rows
    without conflicts go to `emit`. Returns (the pieces' rejects, valid rows)."""
    rejects, rows_valid = [], 0
    for piece, conflict_rejects in pieces:
        valid, piece_rejects = validate(parse_products(piece, run_date, config.settings()), settings=config.settings(),
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
    lineage = text[ROW_IDENTITY]
    rows = conflicts.merge(lineage, on="source_row", how="left")
    parts = [make_rejects(group, field=name, rule="conflicting_columns", settings=config.settings(),
                          value=group["value"],
                          detail=group["detail"]) for name, group in rows.groupby("field", sort=True)]
    return concat_rejects(parts)


def _defaults(profile: VendorProfile) -> dict[str, str]:
    defaults = {"brand": profile.brand or profile.vendor_name or profile.vendor_id,
                "currency": profile.currency, "origin": profile.origin}
    if profile.price_includes_vat is not None:
        defaults["price_includes_vat"] = "true" if profile.price_includes_vat else "false"
    return defaults


def prepare_reading(settings: RunSettings) -> None:
    """Load once in this process what every file's reading needs, before files are read in forked children
    (pipeline.extract.containment): Great Expectations' context and suite, the Arrow allocator's first arena, and
    the tables, config files and suites a reading loads on first use, by reading WARM_UP_SHEET (once)."""
    _warm_up(settings)


# A sheet read in the process that forks the readers, so that each child finds loaded what a first reading loads
# (a good row and one failing several checks).
WARM_UP_SHEET = ("Référence;Désignation;Prix TTC;Contenance;EAN;Stock\n"
                 "WARM-1;Savon de Marseille;4,50 €;100 g;3760000000017;12\n"
                 "WARM-2;;-1;abc;12;x\n").encode()


@functools.cache
def _warm_up(settings: RunSettings) -> None:
    prepare_validation(config.settings(), settings.min_shelf_life_days)
    pa.allocate_buffer(64 << 20)
    file = IntakeFile("warm-up", "warm-up/warm-up.csv", "memory://warm-up/warm-up.csv", len(WARM_UP_SHEET), "")
    profile = VendorProfile(file.vendor_id)
    sheet = read_sheet(WARM_UP_SHEET, file.path, profile, recognised=_recognised(profile))
    _rows_of_sheet(sheet, file, profile, dt.date.today(), settings, input_record(file))


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
