"""Maps vendor headers onto the canonical source columns, turning a read sheet into a text frame.

Where a canonical column comes from, highest priority first:
1. the vendor profile's `overrides` (vendor header → canonical name);
2. the platform's column map (config/platforms.yaml), for a recognised platform export;
3. the synonyms of config/column_synonyms.yaml, among the columns 1 and 2 left unused.
When several columns fill one canonical column, the first non-empty one wins, row by row. Columns
named by overrides or by synonyms must agree: rows where two of them hold different non-empty
values (compared as text) are returned as conflicts; price columns are only compared with columns
of the same VAT basis (an HT and a TTC price differ by design). Platform maps list alternatives
(e.g. a short description standing in for a missing description), which are never conflicts.

Identifiers are never invented here: a generic vendor sheet without a SKU column yields empty SKUs,
rejected later as required. Platform exports whose units have no SKU of their own get one as
config/platforms.yaml and pipeline/transform/platforms.py document (Open Food Facts: the product
code; Shopify: the handle and option values).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import config

LINEAGE = ["vendor_id", "source_file", "source_row"]
CONFLICT_COLUMNS = ["source_row", "field", "value", "detail"]
_DUPLICATE_SUFFIX = re.compile(r" \(\d+\)$")   # the reader's " (2)" on a repeated header
_NOT_A_WORD = re.compile(r"[\W_]+")
_BOOLEAN_TEXT = {"true": True, "false": False}
_FLAG_TEXT = {True: "true", False: "false"}
_BARE_NUMBER = r"\s*[+-]?[\d.,\s\u00a0\u202f]*\d[\d.,\s\u00a0\u202f]*"


@functools.lru_cache(maxsize=4096)
def normalise_header(header: str) -> str:
    """Casefolded, accents stripped, each run of punctuation and spaces turned into one space, trimmed."""
    decomposed = unicodedata.normalize("NFKD", str(header).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_A_WORD.sub(" ", bare).strip()


def _header_key(header: str) -> str:
    """The normalised header with the reader's duplicate suffix removed ("Prix (2)" → "prix")."""
    return normalise_header(_DUPLICATE_SUFFIX.sub("", str(header).strip()))


def find_column(columns: Sequence[str], *names: str) -> str | None:
    """The first column (in sheet order) matching the first of `names` that any column matches."""
    keys = [_header_key(c) for c in columns]
    for name in names:
        wanted = normalise_header(name)
        if wanted in keys:
            return columns[keys.index(wanted)]
    return None


def text_cells(series: pd.Series) -> pd.Series:
    """`series` as object-dtype text: str cells, pd.NA for missing and whitespace-only ones."""
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return _as_text_cells(series)
    cells = series.to_numpy(dtype=object)
    if _filled_text(cells):
        return pd.Series(cells, index=series.index, dtype="object")
    text = pa.array(cells, type=pa.string(), from_pandas=True)
    filled = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(text), ""), False).to_numpy(zero_copy_only=False)
    return pd.Series(np.where(filled, cells, pd.NA), index=series.index, dtype="object")


def _filled_text(cells: np.ndarray, sample: int = 1_000) -> bool:
    """Whether every cell is already pd.NA or a str that is not whitespace only (as a read sheet's are),
    judged once per distinct cell; False, without judging, for a column of mostly distinct cells."""
    if len(dict.fromkeys(cells[:sample])) == min(len(cells), sample):
        return False
    distinct = dict.fromkeys(cells)
    return len(distinct) * 2 <= len(cells) and all(
        cell is pd.NA or (cell.__class__ is str and cell and not cell.isspace()) for cell in distinct)


def _as_text_cells(series: pd.Series) -> pd.Series:
    """text_cells() of cells that are not all text: each written as text first."""
    present = series[series.notna()].astype(str)
    text = present.where(present.str.strip().ne("")).reindex(series.index)
    return text.astype("object").where(text.notna(), pd.NA)


def join_cells(frame: pd.DataFrame, columns: Sequence[str], sep: str) -> pd.Series:
    """Row by row, the non-empty cells of `columns` joined with `sep`; NA where all are empty."""
    if len(columns) == 1:
        return text_cells(frame[columns[0]])
    joined = pd.Series(pd.NA, index=frame.index, dtype="object")
    for column in columns:
        cells = text_cells(frame[column])
        both = joined.notna() & cells.notna()
        joined = joined.mask(both, joined + sep + cells).fillna(cells)
    return joined.astype("object").where(joined.notna(), pd.NA)


@functools.cache
def canonical_columns() -> tuple[str, ...]:
    """The text frame's columns after the lineage: each schema field's `source` (or name)."""
    fields = config.schema_fields()
    return tuple(spec.get("source", name) for name, spec in fields.items()
                 if spec.get("parser") != "derived")


@functools.cache
def _field_of_source() -> dict[str, str]:
    """Canonical source name → schema field name (they differ for shelf_life and weight)."""
    return {spec.get("source", name): name for name, spec in config.schema_fields().items()}


@dataclass(frozen=True)
class _Synonym:
    target: str                 # canonical source name
    rank: int                   # position in the synonym list: lower wins
    unit: str | None
    price_includes_vat: bool | None
    fallback: bool


@functools.cache
def _synonyms() -> dict[str, _Synonym]:
    """Normalised header → what it fills, from config/column_synonyms.yaml."""
    index: dict[str, _Synonym] = {}
    for target, entries in config.config_file("column_synonyms.yaml").items():
        for rank, entry in enumerate(entries):
            spec = entry if isinstance(entry, dict) else {"header": entry}
            index.setdefault(normalise_header(spec["header"]), _Synonym(
                target, rank, spec.get("unit"), spec.get("price_includes_vat"), spec.get("fallback", False)))
    return index


def platform_specs() -> dict[str, dict[str, Any]]:
    """config/platforms.yaml: platform name → signature, fold settings, column map."""
    return config.config_file("platforms.yaml")


@functools.cache
def _known_headers() -> frozenset[str]:
    """Normalised synonyms, canonical names and every header config/platforms.yaml names."""
    names: set[str] = set(_synonyms()) | {normalise_header(c) for c in canonical_columns()}
    for spec in platform_specs().values():
        for item in spec["signature"] + spec.get("fold", {}).get("inherit", []):
            names.update(normalise_header(h) for h in ([item] if isinstance(item, str) else item))
        for entries in spec["columns"].values():
            for entry in entries:
                headers = entry.get("join", [entry.get("column")]) if isinstance(entry, dict) else [entry]
                names.update(normalise_header(h) for h in headers)
    return frozenset(names)


def known_header_score(cells: Sequence[Any], also_known: Collection[str] = ()) -> float:
    """How many distinct cells of a row are known headers (synonyms, canonical names, platform
    columns, or `also_known`, e.g. the headers a vendor profile maps).

    A reader scores the first rows of a sheet and takes the best one as its header row, so a
    title row above the header ("Tarifs 2025") or a data row scores 0 or little.
    """
    known = _known_headers() | {normalise_header(h) for h in also_known}
    keys = {_header_key(c) for c in cells if isinstance(c, str) and c.strip()}
    return float(len(keys & known))


@dataclass
class ColumnMapping:
    """How a sheet's columns became the text frame, for the run report and the vendor."""

    platform: str | None
    used: dict[str, list[str]] = field(default_factory=dict)   # canonical name → vendor columns, by priority
    unmapped: list[str] = field(default_factory=list)          # vendor columns ignored
    price_includes_vat: bool | None = None


@dataclass(frozen=True)
class _Source:
    """One way to fill a canonical column: a vendor column, or several joined."""

    columns: tuple[str, ...]
    sep: str = " "
    unit: str | None = None
    price_includes_vat: bool | None = None
    checked: bool = False       # disagreeing with another checked source of its column is a conflict

    @property
    def label(self) -> str:
        return " + ".join(self.columns)

    def values(self, frame: pd.DataFrame) -> pd.Series:
        """The source's cells; a bare number gets the unit its header states ("250" → "250 g")."""
        values = join_cells(frame, self.columns, self.sep)
        if self.unit:
            codes, distinct = pd.factorize(values)
            bare = pd.Series(distinct, dtype="object").str.fullmatch(_BARE_NUMBER).fillna(False).to_numpy(dtype=bool)
            with_unit = np.append(np.asarray(distinct, dtype=object), pd.NA)
            with_unit[:-1][bare] = with_unit[:-1][bare] + " " + self.unit
            values = pd.Series(with_unit[codes], index=values.index, dtype="object")
        return values


def _override_sources(columns: list[str], overrides: Mapping[str, str]) -> dict[str, list[_Source]]:
    """Vendor profile overrides: a header as written (or equal once normalised) → canonical name."""
    unknown = set(overrides.values()) - set(canonical_columns())
    if unknown:
        raise ValueError(f"overrides name unknown canonical columns: {sorted(unknown)}")
    plan: dict[str, list[_Source]] = {}
    for header, target in overrides.items():
        column = header if header in columns else next(
            (c for c in columns if normalise_header(c) == normalise_header(header)), None)
        if column is not None:
            known = _synonyms().get(_header_key(column))
            unit, vat = (known.unit, known.price_includes_vat) if known else (None, None)
            plan.setdefault(target, []).append(_Source((column,), unit=unit, price_includes_vat=vat,
                                                       checked=True))
    return plan


def _platform_sources(columns: list[str], platform: str) -> dict[str, list[_Source]]:
    plan: dict[str, list[_Source]] = {}
    for target, entries in platform_specs()[platform]["columns"].items():
        for entry in entries:
            spec = entry if isinstance(entry, dict) else {"column": entry}
            found = tuple(c for c in (find_column(columns, h) for h in spec.get("join", [spec.get("column")]))
                          if c is not None)
            sources = plan.setdefault(target, [])
            if found and all(found != s.columns for s in sources):
                sources.append(_Source(found, spec.get("sep", " "), spec.get("unit"),
                                       spec.get("price_includes_vat")))
    return {target: sources for target, sources in plan.items() if sources}


def _synonym_sources(columns: list[str], taken_columns: set[str],
                     taken_targets: set[str]) -> dict[str, list[_Source]]:
    ranked: dict[str, list[tuple[int, int, _Source]]] = {}
    for position, column in enumerate(columns):
        known = _synonyms().get(_header_key(column))
        if column in taken_columns or known is None or known.target in taken_targets:
            continue
        source = _Source((column,), unit=known.unit, price_includes_vat=known.price_includes_vat,
                         checked=not known.fallback)
        ranked.setdefault(known.target, []).append((known.rank, position, source))
    return {target: [s for _, _, s in sorted(found, key=lambda r: r[:2])] for target, found in ranked.items()}


def _plan(columns: list[str], platform: str | None,
          overrides: Mapping[str, str]) -> dict[str, list[_Source]]:
    """Canonical name → its sources in priority order (overrides, platform map, synonyms)."""
    if platform is not None and platform not in platform_specs():
        raise ValueError(f"unknown platform {platform!r}")
    plan = _override_sources(columns, overrides)
    ignored: set[str] = set()
    if platform is not None:
        for target, sources in _platform_sources(columns, platform).items():
            plan.setdefault(target, sources)
        ignored = {find_column(columns, h) for h in platform_specs()[platform].get("ignore", [])} - {None}
    taken = ignored | {c for sources in plan.values() for s in sources for c in s.columns}
    plan.update(_synonym_sources(columns, taken, set(plan)))
    return plan


def _source_table(frame: pd.DataFrame, sources: list[_Source]) -> pd.DataFrame:
    """One column per source (0, 1, … in priority order) holding that source's values."""
    return pd.DataFrame({i: s.values(frame) for i, s in enumerate(sources)}, index=frame.index,
                        columns=range(len(sources)), dtype="object")


def _first_filled(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Row by row, the first non-empty value and the number of the source it came from (or NA)."""
    if table.columns.empty:
        return pd.Series(pd.NA, index=table.index, dtype="object"), pd.Series(pd.NA, index=table.index)
    filled = table.notna()
    supplier = filled.idxmax(axis=1).where(filled.any(axis=1))
    return table.bfill(axis=1).iloc[:, 0], supplier


def _single_supplier(values: pd.Series) -> pd.Series:
    """_first_filled's supplier for a column with one source (number 0) or none."""
    return pd.Series(0.0, index=values.index).where(values.notna())


def _conflicts(frame: pd.DataFrame, target: str, sources: list[_Source], table: pd.DataFrame,
               kept: pd.Series) -> list[pd.DataFrame]:
    """Rows where checked sources of the same VAT basis hold different non-empty values."""
    groups: dict[bool | None, list[int]] = {}
    for number, source in enumerate(sources):
        if source.checked:
            groups.setdefault(source.price_includes_vat, []).append(number)
    found = []
    for numbers in (n for n in groups.values() if len(n) > 1):
        cells = table[numbers].melt(ignore_index=False, var_name="source", value_name="value").dropna()
        distinct = cells.groupby(level=0)["value"].nunique()
        clash = cells[cells.index.isin(distinct.index[distinct > 1])]
        if clash.empty:
            continue
        labels = clash["source"].map({n: s.label for n, s in enumerate(sources)})
        shown = "« " + labels + " » (" + clash["value"] + ")"
        detail = shown.groupby(level=0).agg(", ".join)
        rows = frame["source_row"].loc[detail.index] if "source_row" in frame else pd.NA
        found.append(pd.DataFrame({"source_row": rows, "field": _field_of_source().get(target, target),
                                   "value": kept.loc[detail.index], "detail": detail}, index=detail.index))
    return found


def _price_basis(price_sources: list[_Source], platform: str | None, default: str | None) -> bool | None:
    """The sheet's price basis: what its first price column states, else the vendor's default
    ("true"/"false", from the profile), else the platform's."""
    if price_sources and price_sources[0].price_includes_vat is not None:
        return price_sources[0].price_includes_vat
    if default in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[default]
    return platform_specs()[platform].get("price_includes_vat") if platform else None


def _row_price_basis(price_sources: list[_Source], supplier: pd.Series, basis: bool | None) -> pd.Series:
    """Per row, "true"/"false": the basis of the price column that supplied it, else the sheet's."""
    stated = {n: s.price_includes_vat for n, s in enumerate(price_sources)
              if s.price_includes_vat is not None}
    flags = np.full(len(supplier), pd.NA if basis is None else _FLAG_TEXT[basis], dtype=object)
    numbers = pd.to_numeric(supplier, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    for number, includes_vat in stated.items():
        flags[numbers == number] = _FLAG_TEXT[includes_vat]
    return pd.Series(flags, index=supplier.index, dtype="object")


def _empty_conflicts() -> pd.DataFrame:
    conflicts = pd.DataFrame({c: pd.Series(dtype="object") for c in CONFLICT_COLUMNS})
    conflicts["source_row"] = conflicts["source_row"].astype("Int64")
    return conflicts


def source_columns(header: Sequence[str], target: str, *, overrides: Mapping[str, str] | None = None) -> list[str]:
    """The columns of a plain vendor sheet (no platform export) under `header` that map_columns fills the
    canonical column `target` from."""
    return [c for source in _plan(list(header), None, overrides or {}).get(target, []) for c in source.columns]


def mapped_values(frame: pd.DataFrame, target: str, *, header: Sequence[str],
                  overrides: Mapping[str, str] | None = None) -> pd.Series:
    """map_columns(...)[0][target] before defaults, for a plain vendor sheet under `header` of which `frame`
    may hold only the source_columns of `target`."""
    values, _, _ = _target_values(frame, _plan(list(header), None, overrides or {}).get(target, []))
    return values.reset_index(drop=True)


def _target_values(frame: pd.DataFrame, sources: list[_Source]
                   ) -> tuple[pd.Series, pd.Series | None, pd.DataFrame | None]:
    """(a canonical column's values: its one source's, or row by row the first filled of its sources; with several
    sources, the number of the source each value came from and the table of their values)."""
    if len(sources) == 1:
        return sources[0].values(frame), None, None
    table = _source_table(frame, sources)
    values, supplier = _first_filled(table)
    return values, supplier, table


def map_columns(frame: pd.DataFrame, *, platform: str | None, overrides: Mapping[str, str] | None = None,
                defaults: Mapping[str, str] | None = None
                ) -> tuple[pd.DataFrame, ColumnMapping, pd.DataFrame]:
    """The text frame of `frame` (a read sheet, folded if it is a platform export).

    Returns (text frame, mapping, conflicts). The text frame has the lineage columns `frame` has,
    then every canonical source column. `defaults` (canonical name → value) fill empty cells.
    `price_includes_vat` is filled per row ("true"/"false"): the basis the price column that
    supplied the row's price states, else the sheet's basis (ColumnMapping.price_includes_vat: the
    first price column's, else a "true"/"false" default, else the platform's).
    Conflicts: one row per (row, field) where columns disagree, with the value kept and the
    columns and their values in `detail`.
    """
    unknown = set(defaults or {}) - set(canonical_columns())
    if unknown:
        raise ValueError(f"defaults name unknown canonical columns: {sorted(unknown)}")
    columns = [c for c in frame.columns if c not in LINEAGE]
    plan = _plan(columns, platform, overrides or {})
    text = frame[[c for c in LINEAGE if c in frame.columns]].copy()
    conflicts: list[pd.DataFrame] = []
    suppliers: dict[str, pd.Series] = {}      # of targets filled from several sources
    for target in canonical_columns():
        sources = plan.get(target, [])
        text[target], supplier, table = _target_values(frame, sources)
        if table is not None:
            suppliers[target] = supplier
            conflicts += _conflicts(frame, target, sources, table, text[target])
    basis = _price_basis(plan.get("price", []), platform, (defaults or {}).get("price_includes_vat"))
    text["price_includes_vat"] = text["price_includes_vat"].fillna(
        _row_price_basis(plan.get("price", []), suppliers["price"] if "price" in suppliers
                         else _single_supplier(text["price"]), basis))
    for target, value in (defaults or {}).items():
        text[target] = text[target].fillna(value)
    used = {t: [c for s in plan[t] for c in s.columns] for t in canonical_columns() if plan.get(t)}
    taken = {c for cols in used.values() for c in cols}
    mapping = ColumnMapping(platform, used, [c for c in columns if c not in taken], basis)
    found = pd.concat(conflicts).sort_index(kind="stable") if conflicts else _empty_conflicts()
    found["source_row"] = found["source_row"].astype("Int64")
    return text.reset_index(drop=True), mapping, found[CONFLICT_COLUMNS].reset_index(drop=True)
