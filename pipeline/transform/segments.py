"""Pure steps of localisation: segments out of rows, vendor Chinese to Simplified, targets back into rows."""
from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.transform.chinese import ChineseConverter, to_simplified
from pipeline.transform.distinct import first_of_each
from pipeline.transform.segments_text import normalise_lang, normalise_segment

SEGMENT_COLUMNS = ["row", "field", "part", "source_lang", "source"]
PENDING_COLUMNS = ["source_lang", "target_lang", "field", "source", "target", "skus"]   # pending_translation.csv
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def distinct_texts(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of `frame` that differ in `columns` (missing ones ignored; NA equal to NA), the first of each kind,
    with a fresh 0… index, and for each row of `frame` the position of its kind: localising the kinds then taking
    them by position localises every row, each distinct text being split and joined once."""
    present = [c for c in columns if c in frame]
    if not present or frame.empty:
        return frame.reset_index(drop=True), np.arange(len(frame))
    kind, first = first_of_each(frame[present])
    return frame.iloc[first].reset_index(drop=True), kind


def every_row(kinds: pd.DataFrame, kind: np.ndarray, rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`rows` with `columns` taken from `kinds` (as distinct_texts gave them, localised) by each row's `kind`."""
    out = rows.copy(deep=False)                         # copy-on-write: rows' data is never modified
    for column in columns:
        out[column] = pd.Series(kinds[column].to_numpy()[kind], index=rows.index, dtype=kinds[column].dtype)
    return out


def rows_of_kinds(segments: pd.DataFrame, kind: np.ndarray, labels: pd.Index) -> pd.DataFrame:
    """`segments` whose `row` is a kind (a position of distinct_texts), repeated for each row label of that kind."""
    if segments.empty:
        return segments
    holders = pd.DataFrame({"kind": kind, "label": labels})
    out = segments.merge(holders, left_on="row", right_on="kind", how="inner", sort=False)
    return out.drop(columns=["row", "kind"]).rename(columns={"label": "row"})


def vendor_chinese(frame: pd.DataFrame, fields: dict[str, str], converters: Callable[[str], ChineseConverter]
                   ) -> pd.DataFrame:
    """The vendor-supplied Chinese columns converted to Simplified with each row's OpenCC config (`converters`
    gives the ChineseConverter of a config)."""
    out = frame.copy(deep=False)                        # copy-on-write: frame's data is never modified
    configs = out["opencc_config"].fillna("t2s") if "opencc_config" in out else pd.Series("t2s", index=out.index)
    for target in fields.values():
        if target not in out:
            out[target] = pd.Series(pd.NA, index=out.index, dtype="object")
            continue
        column = out[target].astype("object")
        for config, rows in configs.groupby(configs).groups.items():
            column.loc[rows] = to_simplified(column.loc[rows], converters(config)).astype("object")
        out[target] = column
    return out


def explode_segments(frame: pd.DataFrame, fields: dict[str, str]) -> pd.DataFrame:
    """One line per (row, field, paragraph) whose source text needs translating: non-empty source, no
    vendor Chinese for that field. `row` is the frame's index label; `source` is the paragraph as written.
    Each distinct cell is split once; its paragraphs are then repeated for the rows holding it."""
    parts = [_field_segments(frame, field, target) for field, target in fields.items() if field in frame]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SEGMENT_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _field_segments(frame: pd.DataFrame, field: str, target: str) -> pd.DataFrame:
    """The segments of one field: the paragraphs of each distinct cell, repeated for each row holding it.

    A field without segments has object `source_lang` and `source` columns (so the concatenation has too)."""
    needs = frame[field].notna() & frame[target].isna()
    cells, tags = frame.loc[needs, field].astype(str), frame.loc[needs, "source_lang"]
    codes, uniques = pd.factorize(cells)
    lines = _paragraphs(pd.Series(uniques, dtype=cells.dtype))
    per_cell = np.bincount(lines.index.to_numpy(dtype=np.int64), minlength=len(uniques))   # lines in cell order
    first, counts = (np.cumsum(per_cell) - per_cell)[codes], per_cell[codes]    # each row's lines in `lines`
    cell = np.repeat(np.arange(len(cells)), counts)
    part = np.arange(len(cell)) - np.repeat(np.cumsum(counts) - counts, counts)
    if not len(cell):
        empty = np.array([], dtype=object)
        return pd.DataFrame({"row": cells.index[:0], "field": field, "part": part, "source_lang": empty,
                             "source": empty})
    return pd.DataFrame({"row": cells.index.take(cell), "field": field, "part": part,
                         "source_lang": _languages(tags.iloc[cell]), "source": lines.array.take(first[cell] + part)})


def _paragraphs(cells: pd.Series) -> pd.Series:
    """The non-blank lines of each cell, stripped, indexed by the cell's position (a line of letters or digits)."""
    lines = cells.str.split("\n").explode().str.strip()
    return lines[lines.str.contains(r"[^\W_]", regex=True, na=False)]


def _languages(tags: pd.Series) -> pd.api.extensions.ExtensionArray:
    """`normalise_lang` of each tag, computed once per distinct tag."""
    codes, uniques = pd.factorize(tags, use_na_sentinel=False)
    return pd.array([normalise_lang(tag) for tag in uniques], dtype="str").take(codes)


def segment_keys(sources: pd.Series) -> pd.Series:
    """`normalise_segment` of each source (the memory's key), computed once per distinct source."""
    codes, uniques = pd.factorize(sources)
    keys = pd.Series(uniques).map(normalise_segment)
    return pd.Series(keys.array.take(codes, allow_fill=True), index=sources.index, name=sources.name)


def distinct_keys(segments: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct (source_lang, key) pairs of `segments`, sorted, and each segment's position among them."""
    langs, lang_names = pd.factorize(segments["source_lang"], sort=True)
    keys, key_names = pd.factorize(segments["key"], sort=True)
    position, pairs = pd.factorize(langs * len(key_names) + keys, sort=True)
    return pd.DataFrame({"source_lang": lang_names.take(pairs // max(len(key_names), 1)),
                         "key": key_names.take(pairs % max(len(key_names), 1))}), position


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
    out = frame.copy(deep=False)                        # copy-on-write: frame's data is never modified
    out["pending_reason"] = pd.Series(pd.NA, index=out.index, dtype="object")
    if segments.empty:
        return out
    rows = pd.factorize(segments["row"])[0]
    names, field_names = pd.factorize(segments["field"], sort=True)
    order = np.lexsort([pd.factorize(segments["part"], sort=True)[0], names, rows])    # each row's reading order
    targets, distinct_targets = pd.factorize(segments["target"])                      # -1: no target
    missing = order[targets[order] < 0]
    if len(missing):
        first = segments.iloc[missing[_run_starts(rows[missing])]].set_index("row")
        out.loc[first.index, "pending_reason"] = (first["field"] + ": " + first["reason"].fillna("untranslated"))
    pending = np.zeros(rows.max() + 1, dtype=bool)
    pending[rows[missing]] = True
    complete = order[~pending[rows[order]]]
    starts = _run_starts(rows[complete] * len(field_names) + names[complete])
    texts = _joined_runs(starts, targets[complete], distinct_targets)
    labels, joined_names = segments["row"].to_numpy()[complete[starts]], names[complete[starts]]
    for field, target in fields.items():
        here = joined_names == (field_names.get_loc(field) if field in field_names else -1)
        if here.any():
            out.loc[labels[here], target] = texts[here]
    return out


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal (non-negative) keys starts."""
    return np.flatnonzero(np.diff(keys, prepend=-1))


def _joined_runs(starts: np.ndarray, codes: np.ndarray, distinct: pd.Index, separator: str = "\n") -> np.ndarray:
    """Per run (from each start to the next), the texts `distinct[codes]` joined by `separator`: joined in
    one pyarrow call, each distinct result made a Python string once."""
    offsets = pa.array(np.append(starts, len(codes)), type=pa.int64())
    values = pa.array(np.asarray(distinct, dtype=object), type=pa.large_string()).take(pa.array(codes))
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, values), pa.scalar(separator, pa.large_string()))
    encoded = joined.dictionary_encode()
    return encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]


def pending_table(segments: pd.DataFrame, frame: pd.DataFrame, target_lang: str) -> pd.DataFrame:
    """pending_translation.csv: one line per distinct untranslated segment (by its normalised `key`), with
    the fields it appears in and the vendor/SKU pairs that wait for it."""
    columns = PENDING_COLUMNS
    missing = segments[segments["target"].isna()]
    if missing.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    langs, lang_names = pd.factorize(missing["source_lang"], sort=True)
    keys, key_names = pd.factorize(missing["key"], sort=True)
    line_of, lines = pd.factorize(langs * len(key_names) + keys, sort=True)   # sorted (lang, key) pairs
    rows, row_labels = pd.factorize(missing["row"])
    waiting = frame.loc[row_labels]
    skus, sku_names = pd.factorize(waiting["vendor_id"].astype(str) + "/" + waiting["sku"].astype(str), sort=True,
                                   use_na_sentinel=False)          # a missing SKU fails the join, as sorting did
    fields, field_names = pd.factorize(missing["field"], sort=True)
    table = pd.DataFrame({
        "source_lang": lang_names.take(lines // len(key_names)), "target_lang": target_lang,
        "source": key_names.take(lines % len(key_names)), "target": "",
        "field": _distinct_joined(line_of, fields, field_names),
        "skus": _distinct_joined(line_of, skus[rows], sku_names)})
    return table[columns]


def _distinct_joined(groups: np.ndarray, codes: np.ndarray, names: pd.Index) -> np.ndarray:
    """Per group 0, 1, …: its distinct `names[codes]` in the order of `names`, joined by spaces."""
    group, code = np.divmod(np.sort(pd.unique(groups.astype(np.int64) * len(names) + codes)), len(names))
    return _joined_runs(_run_starts(group), code, names, " ")


def merge_pending(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """pending_translation.csv lines of several vendors as one table: one line per segment, fields and SKUs joined."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PENDING_COLUMNS})
    if len(frames) == 1:
        return frames[0][PENDING_COLUMNS]
    lines = pd.concat(frames, ignore_index=True)
    merged = lines.groupby(["source_lang", "target_lang", "source"], sort=True).agg(
        field=("field", lambda f: " ".join(sorted(set(" ".join(f).split())))),
        skus=("skus", lambda s: " ".join(sorted(set(" ".join(s).split())))))
    return merged.reset_index().assign(target="")[PENDING_COLUMNS]
