"""Turns a read sheet into the text frame of canonical columns, as its ColumnPlan says (column_roles decides it).

Per canonical column, row by row the first filled of its sources. Then:
- a composed title joins the row's attribute values (pipeline.transform.column_roles.ColumnPlan.title_parts);
- the net content is searched for in a container text ("Pot verre 250 g") or, without a net content column, in
  the title (pipeline.transform.quantity.quantity_in_text);
- the SKU is the reference column's, unless empty or a placeholder ("A créer"); else the barcode's digits;
  else a key derived from the title, net content, brand, a short description and attributes
  (pipeline.transform.product_keys). `sku_derived` says which ("barcode" or "key") on such rows;
- `price_includes_vat`, per row: the basis the price column that supplied the row's price states, else the
  sheet's (the chosen price column's, else a "true"/"false" default, else the platform's);
- conflicts: rows where checked sources of a field (overrides, synonyms, header words; prices of the same VAT
  basis) hold different non-empty values;
- `defaults` (canonical name → value) fill what is still empty.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.transform.column_content import SAMPLE_ROWS
from pipeline.transform.column_plan import ColumnPlan, Source
from pipeline.transform.column_roles import decide_columns
from pipeline.transform.header_words import PLACEHOLDER_SHAPE
from pipeline.transform.lineage import LINEAGE
from pipeline.transform.product_keys import barcode_skus, derived_skus
from pipeline.transform.quantity import quantity_in_text
from pipeline.transform.reading_tables import ReadingTables

CONFLICT_COLUMNS = ["source_row", "field", "value", "detail"]
_BOOLEAN_TEXT = {"true": True, "false": False}
_FLAG_TEXT = {True: "true", False: "false"}
_BARE_NUMBER = r"\s*[+-]?[\d.,\s\u00a0\u202f]*\d[\d.,\s\u00a0\u202f]*"


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


@dataclass
class ColumnMapping:
    """How a sheet's columns became the text frame, for the run report and the vendor."""

    platform: str | None
    used: dict[str, list[str]] = field(default_factory=dict)   # canonical name → vendor columns, by priority
    unmapped: list[str] = field(default_factory=list)          # vendor columns ignored
    price_includes_vat: bool | None = None


def source_values(frame: pd.DataFrame, source: Source, tables: ReadingTables) -> pd.Series:
    """A source's cells; a bare number gets the unit its header states ("250" → "250 g"), a container text the
    net content it holds."""
    values = join_cells(frame, source.columns, source.sep)
    if source.unit:
        codes, distinct = pd.factorize(values)
        bare = pd.Series(distinct, dtype="object").str.fullmatch(_BARE_NUMBER).fillna(False).to_numpy(dtype=bool)
        with_unit = np.append(np.asarray(distinct, dtype=object), pd.NA)
        with_unit[:-1][bare] = with_unit[:-1][bare] + " " + source.unit
        values = pd.Series(with_unit[codes], index=values.index, dtype="object")
    if source.in_text:
        values = quantity_in_text(values, tables.values)
    return values


def _source_table(frame: pd.DataFrame, sources: list[Source], tables: ReadingTables) -> pd.DataFrame:
    """One column per source (0, 1, … in priority order) holding that source's values."""
    return pd.DataFrame({i: source_values(frame, s, tables) for i, s in enumerate(sources)}, index=frame.index,
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


def _conflicts(frame: pd.DataFrame, target: str, sources: list[Source], table: pd.DataFrame,
               kept: pd.Series, tables: ReadingTables) -> list[pd.DataFrame]:
    """Rows where checked sources of the same VAT basis hold different non-empty values."""
    groups: dict[bool | None, list[int]] = {}
    for number, source in enumerate(sources):
        if source.checked:
            groups.setdefault(source.includes_vat, []).append(number)
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
        found.append(pd.DataFrame({"source_row": rows, "field": tables.field_of_source.get(target, target),
                                   "value": kept.loc[detail.index], "detail": detail}, index=detail.index))
    return found


def _empty_conflicts() -> pd.DataFrame:
    conflicts = pd.DataFrame({c: pd.Series(dtype="object") for c in CONFLICT_COLUMNS})
    conflicts["source_row"] = conflicts["source_row"].astype("Int64")
    return conflicts


def map_columns(frame: pd.DataFrame, tables: ReadingTables, *, platform: str | None,
                overrides: Mapping[str, str] | None = None, defaults: Mapping[str, str] | None = None
                ) -> tuple[pd.DataFrame, ColumnMapping, pd.DataFrame]:
    """The text frame of `frame` (a read sheet, folded if it is a platform export), its columns decided on its
    first rows: (text frame, mapping, conflicts); see apply_plan."""
    plan = decide_columns(frame.head(SAMPLE_ROWS), tables, platform=platform, overrides=overrides)
    text, conflicts = apply_plan(frame, plan, tables, defaults)
    return text, column_mapping(plan, tables, defaults), conflicts


def column_mapping(plan: ColumnPlan, tables: ReadingTables, defaults: Mapping[str, str] | None = None
                   ) -> ColumnMapping:
    used = {t: plan.columns_of(t) for t in tables.text_columns if plan.sources.get(t)}
    basis = _price_basis(plan, (defaults or {}).get("price_includes_vat"), tables)
    return ColumnMapping(plan.platform, used, list(plan.unused), basis)


def apply_plan(frame: pd.DataFrame, plan: ColumnPlan, tables: ReadingTables,
               defaults: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(text frame, conflicts) of `frame` as `plan` says (see the module doc). The text frame has the lineage
    columns `frame` has, then every canonical source column. Conflicts: one row per (row, field) where columns
    disagree, with the value kept and the columns and their values in `detail`."""
    unknown = set(defaults or {}) - set(tables.text_columns)
    if unknown:
        raise ValueError(f"defaults name unknown canonical columns: {sorted(unknown)}")
    text = frame[[c for c in LINEAGE if c in frame.columns]].copy()
    conflicts: list[pd.DataFrame] = []
    suppliers: dict[str, pd.Series] = {}      # of targets filled from several sources
    for target in tables.text_columns:
        sources = list(plan.sources.get(target, ()))
        text[target], supplier, table = _target_values(frame, sources, tables)
        if table is not None:
            suppliers[target] = supplier
            conflicts += _conflicts(frame, target, sources, table, text[target], tables)
    _identify(text, frame, plan, tables)
    basis = _price_basis(plan, (defaults or {}).get("price_includes_vat"), tables)
    prices = list(plan.sources.get("price", ()))
    text["price_includes_vat"] = text["price_includes_vat"].fillna(
        _row_price_basis(prices, suppliers["price"] if "price" in suppliers else _single_supplier(text["price"]),
                         basis))
    for target, value in (defaults or {}).items():
        text[target] = text[target].fillna(value)
    found = pd.concat(conflicts).sort_index(kind="stable") if conflicts else _empty_conflicts()
    found["source_row"] = found["source_row"].astype("Int64")
    return text.reset_index(drop=True), found[CONFLICT_COLUMNS].reset_index(drop=True)


def _identify(text: pd.DataFrame, frame: pd.DataFrame, plan: ColumnPlan, tables: ReadingTables) -> None:
    """The composed title, the net content found in the title, and the SKU where the sheet gives none (see the
    module doc), in place. Only the rows without a reference of their own are looked at for a SKU."""
    if plan.title_parts:
        text["title"] = join_cells(_without_placeholders(frame, plan.title_parts, tables, words_only=True),
                                   _distinct_parts(plan.title_parts, frame), " ")
    if plan.net_content_from_title:
        text["net_content"] = quantity_in_text(text["title"].fillna(text["title_zh"]), tables.values)
    given = _blank_placeholders(text["sku"], tables)
    missing = given.isna().to_numpy()
    text["sku_derived"] = pd.Series(pd.NA, index=text.index, dtype=object)
    text["sku"] = given
    if not missing.any():
        return
    rows = text[missing]
    barcode = barcode_skus(_blank_placeholders(rows["barcode"], tables))
    keyless = barcode.isna().to_numpy()
    identity = _without_placeholders(frame[missing][keyless], plan.identity, tables, words_only=True)
    derived = derived_skus([rows["title"].fillna(rows["title_zh"])[keyless], rows["net_content"][keyless],
                            *(identity[c] for c in plan.identity)])
    sku = barcode.copy()
    sku[keyless] = derived
    text.loc[missing, "sku"] = sku
    text.loc[missing, "sku_derived"] = np.where(~keyless, "barcode", np.where(sku.notna(), "key", pd.NA))


def _distinct_parts(parts: Sequence[str], frame: pd.DataFrame) -> list[str]:
    """The title parts less those repeating an earlier part on every sample row (DIMENSION2 = DIMENSION)."""
    kept: list[str] = []
    for part in parts:
        if not any(frame[part].head(SAMPLE_ROWS).fillna("").equals(frame[k].head(SAMPLE_ROWS).fillna(""))
                   for k in kept):
            kept.append(part)
    return kept


def _blank_placeholders(cells: pd.Series, tables: ReadingTables) -> pd.Series:
    """`cells` with the placeholders of config/header_lexicon.yaml `empty_values` ("A créer", "N/A") as NA.
    Only the cells of a placeholder's shape are looked at one by one (an Arrow match finds them)."""
    if cells.isna().all():
        return cells
    text = pa.array(cells.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    shape = rf"^\s*{PLACEHOLDER_SHAPE.pattern}\s*$"
    short = pc.fill_null(pc.match_substring_regex(text, shape), False).to_numpy(zero_copy_only=False)
    if not short.any():
        return cells
    codes, distinct = pd.factorize(cells[short])
    empty = np.array([tables.lexicon.is_empty_value(str(v)) for v in distinct] + [False], dtype=bool)
    flags = np.zeros(len(cells), dtype=bool)
    flags[short] = empty[codes]
    return cells.mask(flags, pd.NA) if flags.any() else cells


def _without_placeholders(frame: pd.DataFrame, columns: Sequence[str], tables: ReadingTables,
                          words_only: bool = False) -> pd.DataFrame:
    """The `columns` of `frame` with placeholders blanked, and a lone "0" in a column of words (an empty
    formula)."""
    out = frame[list(columns)].copy() if columns else pd.DataFrame(index=frame.index)
    for column in columns:
        cells = _blank_placeholders(text_cells(frame[column]), tables)
        if words_only:
            cells = cells.mask(cells.str.strip() == "0", pd.NA)
        out[column] = cells
    return out


def _price_basis(plan: ColumnPlan, default: str | None, tables: ReadingTables) -> bool | None:
    """The sheet's price basis: what its chosen price column states, else the vendor's default ("true"/"false",
    from the profile), else the platform's."""
    if plan.price_basis is not None:
        return plan.price_basis
    if default in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[default]
    return tables.platforms[plan.platform].get("price_includes_vat") if plan.platform else None


def _row_price_basis(price_sources: Sequence[Source], supplier: pd.Series, basis: bool | None) -> pd.Series:
    """Per row, "true"/"false": the basis of the price column that supplied it, else the sheet's."""
    stated = {n: s.includes_vat for n, s in enumerate(price_sources) if s.includes_vat is not None}
    flags = np.full(len(supplier), pd.NA if basis is None else _FLAG_TEXT[basis], dtype=object)
    numbers = pd.to_numeric(supplier, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    for number, includes_vat in stated.items():
        flags[numbers == number] = _FLAG_TEXT[includes_vat]
    return pd.Series(flags, index=supplier.index, dtype="object")


def sku_columns(plan: ColumnPlan) -> list[str]:
    """The columns a row's SKU is made from (its reference, barcode, title, net content and attributes)."""
    targets = ["sku", "barcode", "title", "title_zh", "net_content"]
    columns = [c for t in targets for c in plan.columns_of(t)] + list(plan.title_parts) + list(plan.identity)
    return list(dict.fromkeys(columns))


def sku_values(frame: pd.DataFrame, plan: ColumnPlan, tables: ReadingTables) -> pd.Series:
    """The SKU apply_plan gives each row of `frame`, which may hold only the sku_columns of `plan`."""
    full = frame.reindex(columns=[*frame.columns, *(n for n in plan.names if n not in frame.columns)])
    text, _ = apply_plan(full, _only_identity(plan), tables)
    return text["sku"]


def _only_identity(plan: ColumnPlan) -> ColumnPlan:
    keep = ("sku", "barcode", "title", "title_zh", "net_content")
    return replace(plan, sources={t: s for t, s in plan.sources.items() if t in keep})


def _target_values(frame: pd.DataFrame, sources: Sequence[Source], tables: ReadingTables
                   ) -> tuple[pd.Series, pd.Series | None, pd.DataFrame | None]:
    """(a canonical column's values: none, its one source's, or row by row the first filled of its sources; with
    several sources, the number of the source each value came from and the table of their values)."""
    if not sources:
        return pd.Series(pd.NA, index=frame.index, dtype="object"), None, None
    if len(sources) == 1:
        return source_values(frame, sources[0], tables), None, None
    table = _source_table(frame, list(sources), tables)
    values, supplier = _first_filled(table)
    return values, supplier, table
