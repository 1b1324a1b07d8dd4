"""Pure steps of localisation: segments out of rows, vendor Chinese to Simplified, targets back into rows."""
from __future__ import annotations

import re

import pandas as pd

from pipeline.transform.chinese import to_simplified
from pipeline.transform.segments_text import normalise_lang

SEGMENT_COLUMNS = ["row", "field", "part", "source_lang", "source"]
PENDING_COLUMNS = ["source_lang", "target_lang", "field", "source", "target", "skus"]   # pending_translation.csv
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def vendor_chinese(frame: pd.DataFrame, fields: dict[str, str]) -> pd.DataFrame:
    """The vendor-supplied Chinese columns converted to Simplified with each row's OpenCC config."""
    out = frame.copy()
    configs = out["opencc_config"].fillna("t2s") if "opencc_config" in out else pd.Series("t2s", index=out.index)
    for target in fields.values():
        if target not in out:
            out[target] = pd.Series(pd.NA, index=out.index, dtype="object")
            continue
        column = out[target].astype("object")
        for config, rows in configs.groupby(configs).groups.items():
            column.loc[rows] = to_simplified(column.loc[rows], config).astype("object")
        out[target] = column
    return out


def explode_segments(frame: pd.DataFrame, fields: dict[str, str]) -> pd.DataFrame:
    """One line per (row, field, paragraph) whose source text needs translating: non-empty source, no
    vendor Chinese for that field. `row` is the frame's index label; `source` is the paragraph as written."""
    parts = []
    for field, target in fields.items():
        if field not in frame:
            continue
        needs = frame[field].notna() & frame[target].isna()
        lines = frame.loc[needs, field].astype(str).str.split("\n").explode()
        lines = lines.str.strip()
        lines = lines[lines.str.contains(r"[^\W_]", regex=True, na=False)]   # a line of letters or digits
        parts.append(pd.DataFrame({
            "row": lines.index, "field": field,
            "part": lines.groupby(level=0).cumcount().to_numpy(),
            "source_lang": frame.loc[lines.index, "source_lang"].map(normalise_lang).to_numpy(),
            "source": lines.to_numpy()}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SEGMENT_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def copied_source_words(sources: pd.Series, targets: pd.Series, allowed: set[str], min_letters: int) -> pd.Series:
    """True where a target has no Chinese at all, or keeps a Latin word (≥ min_letters letters) of its
    source that is not part of an allowed term (glossary keep terms, brands): the engine left text
    untranslated."""
    word = re.compile(rf"[^\W\d_]{{{min_letters},}}")
    allowed_lower = {w.casefold() for term in allowed for w in word.findall(term)}

    def copied(source: str, target: str) -> bool:
        if not CJK.search(target):
            return True
        kept = {w.casefold() for w in word.findall(target)} - allowed_lower
        return bool(kept & {w.casefold() for w in word.findall(source)})

    pairs = pd.DataFrame({"s": sources, "t": targets}).dropna()
    result = pd.Series(False, index=sources.index)
    if pairs.empty:
        return result
    distinct = pairs.drop_duplicates()
    verdict = {(s, t): copied(s, t) for s, t in distinct.itertuples(index=False, name=None)}
    result.loc[pairs.index] = [verdict[p] for p in pairs.itertuples(index=False, name=None)]
    return result


def assemble(frame: pd.DataFrame, segments: pd.DataFrame, fields: dict[str, str]) -> pd.DataFrame:
    """`frame` with each translated field filled from its segments' `target` (paragraphs joined by newlines)
    and `pending_reason` set on rows where some segment has no target. `segments` carries row, field, part,
    target and reason."""
    out = frame.copy()
    out["pending_reason"] = pd.Series(pd.NA, index=out.index, dtype="object")
    if segments.empty:
        return out
    ordered = segments.sort_values(["row", "field", "part"])
    missing = ordered[ordered["target"].isna()]
    if not missing.empty:
        first = missing.drop_duplicates("row").set_index("row")
        out.loc[first.index, "pending_reason"] = (first["field"] + ": " + first["reason"].fillna("untranslated"))
    complete = ordered[~ordered["row"].isin(missing["row"])]
    joined = complete.groupby(["row", "field"], sort=False)["target"].agg("\n".join)
    for field, target in fields.items():
        if field in joined.index.get_level_values("field"):
            values = joined.xs(field, level="field")
            out.loc[values.index, target] = values.to_numpy()
    return out


def pending_table(segments: pd.DataFrame, frame: pd.DataFrame, target_lang: str) -> pd.DataFrame:
    """pending_translation.csv: one line per distinct untranslated segment (by its normalised `key`), with
    the fields it appears in and the vendor/SKU pairs that wait for it."""
    columns = PENDING_COLUMNS
    missing = segments[segments["target"].isna()]
    if missing.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    skus = (frame.loc[missing["row"], "vendor_id"].astype(str) + "/" + frame.loc[missing["row"], "sku"].astype(str))
    table = missing.assign(sku=skus.to_numpy(), target_lang=target_lang, target="")
    grouped = table.groupby(["source_lang", "target_lang", "key"], sort=True).agg(
        field=("field", lambda f: " ".join(sorted(set(f)))), skus=("sku", lambda s: " ".join(sorted(set(s)))))
    return grouped.reset_index().rename(columns={"key": "source"}).assign(target="")[columns]
