"""Ingest one vendor file: read, fold, map, parse and validate it; bad data quarantines or rejects, never raises."""
from __future__ import annotations

import datetime as dt
import functools
import logging
import traceback
from dataclasses import dataclass, field

import pandas as pd

from pipeline.config import RunSettings
from pipeline.extract.intake import IntakeFile, read_bytes, sha256_hex
from pipeline.extract.profiles import ProfileError, VendorProfile, load_profile
from pipeline.extract.readers import Sheet, UnreadableSheet, read_sheet
from pipeline.records import input_record, quarantined
from pipeline.transform.columns import known_header_score, map_columns
from pipeline.transform.parse import parse_products
from pipeline.transform.platforms import detect_platform, fold
from pipeline.transform.rejects import concat_rejects, empty_rejects, make_rejects
from pipeline.transform.validate import validate

log = logging.getLogger("eprovence")


@dataclass
class FileResult:
    """What one vendor file became: its manifest entry, its valid rows and its rejects."""

    record: dict
    valid: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejects: pd.DataFrame = field(default_factory=empty_rejects)

    @property
    def rows_rejected(self) -> int:
        return int(self.rejects.drop_duplicates(["source_file", "source_row"]).shape[0])


def process_file(file: IntakeFile, profile: VendorProfile, run_date: dt.date, settings: RunSettings,
                 storage_options: dict | None = None) -> FileResult:
    """Read, map, parse and validate one vendor file. Bad data never raises: it quarantines or rejects."""
    record = input_record(file)
    try:
        data = read_bytes(file, storage_options)
        record["sha256"] = sha256_hex(data)
        sheet = read_sheet(data, file.path, profile,
                           header_score=functools.partial(known_header_score, also_known=tuple(profile.columns)))
        record.update(format=sheet.format, encoding=sheet.encoding, rows_raw=sheet.raw_rows)
        result = _rows_of_sheet(sheet, file, profile, run_date, settings, record)
    except UnreadableSheet as exc:
        return FileResult(quarantined(record, f"{exc.reason_fr} / {exc.reason_en}"))
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
        log.error("internal error on %s:\n%s", file.path, traceback.format_exc())
        return FileResult(quarantined(record, f"erreur interne / internal error: {exc.__class__.__name__}: {exc}"))
    record.update(rows_rejected=result.rows_rejected, rows_valid=len(result.valid))
    return result


def _rows_of_sheet(sheet: Sheet, file: IntakeFile, profile: VendorProfile, run_date: dt.date,
                   settings: RunSettings, record: dict) -> FileResult:
    frame = sheet.frame.assign(vendor_id=file.vendor_id, source_file=file.path)
    platform = detect_platform([c for c in sheet.frame.columns if c != "source_row"])
    if platform:
        frame = fold(frame, platform)
    text, _mapping, conflicts = map_columns(frame, platform=platform, overrides=profile.columns,
                                            defaults=_defaults(profile))
    record.update(platform=platform, rows=len(text) + len(sheet.ragged))
    typed = parse_products(text, run_date)
    valid, rejects = validate(typed, min_shelf_life_days=settings.min_shelf_life_days)
    conflict_rejects = _conflict_rejects(conflicts, text)
    if not conflict_rejects.empty:
        valid = valid[~valid["source_row"].isin(conflict_rejects["source_row"])]
    ragged = sheet.ragged.assign(vendor_id=file.vendor_id, source_file=file.path, sku=pd.NA)
    ragged_rejects = make_rejects(ragged, field="row", rule="ragged_row", value=pd.Series("", index=ragged.index),
                                  cells=ragged["cells"], expected=ragged["expected"])
    return FileResult(record, valid.reset_index(drop=True),
                      concat_rejects([ragged_rejects, conflict_rejects, rejects]))


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
                storage_options: dict | None = None) -> FileResult:
    """process_file() with the vendor's profile loaded; its valid rows carry the profile's localisation and
    pricing choices (source_lang, opencc_config, product_class). An invalid profile quarantines the file."""
    try:
        profile = load_profile(intake, file.vendor_id, storage_options)
    except ProfileError as exc:
        return FileResult(quarantined(input_record(file), f"profil invalide / invalid profile: {exc}"))
    result = process_file(file, profile, run_date, settings, storage_options)
    result.valid = result.valid.assign(source_lang=profile.source_lang, opencc_config=profile.opencc_config,
                                       product_class=profile.product_class)
    return result
