"""Builds reject records (rejects.csv rows) with the vendor's French message and its English twin."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.transform.lineage import ROW_IDENTITY

if TYPE_CHECKING:
    from pipeline.transform.settings import Settings

REJECT_COLUMNS = [*ROW_IDENTITY, "field", "value", "rule", "message_fr", "message_en"]
SHOWN_VALUE_CHARS = 200     # of a vendor's value, in a reject's `value` and message
FILE_ROW = 0                # the source_row of a reject about the whole file (a missing column), not one of its rows


def empty_rejects() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in REJECT_COLUMNS})
    frame["source_row"] = frame["source_row"].astype("Int64")
    return frame


def _labels(field: str, settings: Settings) -> dict[str, str]:
    spec = settings.fields.get(field, {})
    return {f"label_{lang}": spec.get(f"label_{lang}", field) for lang in ("fr", "en")}


def render(rule: str, field: str, value: Any, params: Mapping[str, Any], settings: Settings) -> tuple[str, str]:
    """The (French, English) message for one failure (schemas/rules.yaml's templates, the field's labels)."""
    return _render(settings.rules[rule], _labels(field, settings), value, params)


def _render(templates: Mapping[str, str], labels: Mapping[str, str], value: Any,
            params: Mapping[str, Any]) -> tuple[str, str]:
    shown = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    fill = {**labels, "value": shown, **params}
    return templates["fr"].format_map(_Blank(fill)), templates["en"].format_map(_Blank(fill))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def make_rejects(rows: pd.DataFrame, /, *, field: str, rule: str, settings: Settings,
                 value: pd.Series | None = None, **params: Any) -> pd.DataFrame:
    """One reject per row of `rows` (which carries the lineage columns) for `field` failing `rule`.

    `value` is the cell as the vendor sent it (defaults to rows[field]); each extra keyword fills a
    message placeholder (including `rows=`, as `rows` itself is positional-only) and may be a scalar
    or a Series aligned with `rows`. Messages are rendered once per distinct (value, params) combination.
    """
    if rows.empty:
        return empty_rejects()
    out = pd.DataFrame({c: rows[c] if c in rows else pd.NA for c in ROW_IDENTITY}, index=rows.index)
    shown = value if value is not None else rows.get(field, pd.Series(pd.NA, index=rows.index))
    out["field"] = field
    out["value"] = _cut(shown.astype("object").where(shown.notna(), ""))
    out["rule"] = rule
    keys = pd.DataFrame({"value": out["value"].astype(str)}, index=rows.index)
    for name, param in params.items():
        if isinstance(param, pd.Series):
            keys[name] = _text(param)
    constants = {name: str(param) for name, param in params.items() if not isinstance(param, pd.Series)}
    codes = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()   # numbered as first seen
    _, firsts = np.unique(codes, return_index=True)
    distinct = keys.iloc[firsts]
    names, templates, labels = list(keys.columns[1:]), settings.rules[rule], _labels(field, settings)
    messages = np.array([_render(templates, labels, value, {**constants, **dict(zip(names, cells, strict=True))})
                         for value, *cells in zip(*(distinct[c].tolist() for c in keys.columns), strict=True)],
                        dtype=object)
    out["message_fr"] = messages[codes, 0]
    out["message_en"] = messages[codes, 1]
    out["source_row"] = out["source_row"].astype("Int64")
    return out[REJECT_COLUMNS].reset_index(drop=True)


def _cut(values: pd.Series, limit: int = SHOWN_VALUE_CHARS) -> pd.Series:
    """Values as sent, those longer than `limit` characters cut there with "…" (a reject shows, not stores)."""
    text = values.astype(str)
    long = text.str.len() > limit
    return text.mask(long, text.str.slice(0, limit - 1) + "…") if long.any() else values


def _text(param: pd.Series) -> pd.Series:
    """A per-row placeholder value as text, cut as values are; a missing one renders blank."""
    return _cut(param.astype("object").where(param.notna(), "").astype(str), 2 * SHOWN_VALUE_CHARS)


def concat_rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_rejects()
    return pd.concat(frames, ignore_index=True)[REJECT_COLUMNS]


def rejected_rows(rejects: pd.DataFrame) -> pd.DataFrame:
    """One line per rejected row (a row may fail several rules); rejects about a whole file are no row."""
    rows = rejects[rejects["source_row"] != FILE_ROW] if len(rejects) else rejects
    return rows.drop_duplicates(["source_file", "source_row"])
