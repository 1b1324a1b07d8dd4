"""The localize_rows step: each vendor's valid rows (its newest file winning per SKU) localised chunk by chunk, each
distinct segment translated once and later vendors finding it in the memory."""
from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

import pandas as pd

from pipeline import config
from pipeline.extract.translators import make_translator
from pipeline.load import work_area
from pipeline.load.state import StateStore
from pipeline.load.translation_memory import TranslationMemory
from pipeline.localize import Localized, localize
from pipeline.parallel import in_processes
from pipeline.steps.run_context import RunContext, timed
from pipeline.transform.rejects import concat_rejects
from pipeline.transform.segments import pending_table
from pipeline.transform.supersede import newest_in_sku_order


@timed
def localize_rows(ctx: RunContext, file_uris: list[str], translator=None) -> str:
    """Localise the valid rows vendor by vendor (newest file wins per SKU); each distinct segment is translated
    once, later vendors find it in the memory. Memory-only runs (translator `none`, no client given) localise
    vendors in `ctx.workers` processes. Returns the URI of the localised parts."""
    opts = ctx.storage_options
    records = {uri: work_area.read_json(f"{uri}/record.json", opts) for uri in file_uris}
    read = [uri for uri, rec in records.items() if rec["status"] == "processed"]
    vendors = [(vendor, [(uri, records[uri]) for uri in uris]) for vendor, uris in
               itertools.groupby(sorted(read, key=lambda u: records[u]["vendor_id"]),
                                 key=lambda u: records[u]["vendor_id"])]
    if translator is None and ctx.translator == "none":
        done = in_processes(ctx.workers, _localize_vendor, [ctx] * len(vendors), *zip(*vendors, strict=True),
                            costs=[sum(rec.get("rows_valid") or 0 for _, rec in files) for _, files in vendors]
                            ) if vendors else []
    else:
        translator = translator if translator is not None else make_translator(ctx.translator)
        done = [_localize_vendor(ctx, vendor, files, translator) for vendor, files in vendors]
    parts, totals = [], Counter()
    for (vendor, _files), (vendor_parts, stats) in zip(vendors, done, strict=True):
        parts += [{"vendor_id": vendor, "rows": part, "row_count": rows} for part, rows in vendor_parts]
        totals.update(stats)
    if translator is not None:     # its counters run over the whole run, not per vendor
        totals["mt_calls"], totals["mt_chars"] = translator.calls, translator.chars_sent
    for key, count in _segment_counts(ctx, [part["rows"] for part in parts]).items():
        totals[key] = count                                 # the run's distinct segments, not per-chunk sums
    uri = f"{ctx.work}/localized"
    work_area.write_json(f"{uri}/parts.json", parts, opts)
    work_area.write_json(f"{uri}/stats.json", dict(totals), opts)
    return uri


def _segment_counts(ctx: RunContext, part_uris: list[str]) -> dict[str, int]:
    """The run's distinct segments, and how many the glossary and the memory resolved, each segment counted once
    (by how it was first resolved) however many chunks and vendors hold it."""
    frames = [work_area.read_frame(f"{uri}/segments.arrow", ctx.storage_options) for uri in part_uris]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return {"segments": 0, "glossary_hits": 0, "tm_hits": 0}
    first = pd.concat(frames, ignore_index=True).drop_duplicates(["source_lang", "key"])
    return {"segments": len(first), "glossary_hits": int((first["provider"] == "glossary").sum()),
            "tm_hits": int((first["provider"] == "memory").sum())}


def _localize_vendor(ctx: RunContext, vendor: str, files: list[tuple[str, dict]], translator=None
                     ) -> tuple[list[tuple[str, int]], Counter]:
    """Localise one vendor's valid rows, newest file first per SKU, in SKU order about `ctx.chunk_rows` rows at a
    time; returns the URIs of its parts (at least one) with their rows, and the summed counters."""
    memory = TranslationMemory(StateStore.open(ctx.state).engine)
    opts = ctx.storage_options
    parts = [work_area.read_json(f"{file_uri}/valid.json", opts)["parts"] for file_uri, _ in files]
    base = f"{ctx.work}/localized/{work_area.short_id(vendor)}"
    superseded: list[pd.DataFrame] = []
    if len(parts) == 1:                                 # one file: its parts are the chunks
        chunks = (work_area.read_frame(uri, opts) for uri in parts[0])
    else:
        chunks = _newest_rows_in_chunks(ctx, parts, [record for _, record in files], superseded)
    uris, totals = [], Counter()
    for n, rows in enumerate(chunks):
        uri = f"{base}/{n:05d}"
        totals.update(_localize_chunk(rows, memory, translator, uri, opts))
        uris.append((uri, len(rows)))
    if not uris:                        # a vendor without a valid row still has one (empty) part
        uris.append((f"{base}/00000", 0))
        _localize_chunk(pd.DataFrame(), memory, translator, uris[0][0], opts)
    work_area.write_frame(f"{base}/superseded.arrow", concat_rejects(superseded), opts)
    return uris, totals


def _newest_rows_in_chunks(ctx: RunContext, parts: list[list[str]], records: list[dict],
                           superseded: list) -> Iterator[pd.DataFrame]:
    """The valid rows of a vendor's files (`parts` of each, in SKU order), the newest file winning per SKU, in SKU
    order and cut into chunks of `ctx.chunk_rows`, read a part of each file at a time; the superseded rows'
    rejects are added to `superseded` as they are found."""
    ranked = sorted(records, key=lambda r: (r.get("modified") or "", r["path"]))
    files = [(work_area.read_frame(uri, ctx.storage_options) for uri in uris) for uris in parts]
    held, count = [], 0
    for rows, found in newest_in_sku_order(files, {r["path"]: n for n, r in enumerate(ranked)},
                                           config.settings()):
        superseded.append(found)
        held.append(rows)
        count += len(rows)
        while count >= ctx.chunk_rows:
            joined = pd.concat(held, ignore_index=True)
            yield joined.iloc[:ctx.chunk_rows]
            held, count = [joined.iloc[ctx.chunk_rows:]], len(joined) - ctx.chunk_rows
    if count:
        yield pd.concat(held, ignore_index=True)


def _localize_chunk(rows: pd.DataFrame, memory: TranslationMemory, translator, uri: str, opts: dict) -> dict:
    if rows.empty:
        localized = Localized(rows, pending_table(pd.DataFrame(columns=["target"]), rows, "zh-CN"))
    else:
        localized = localize(rows.reset_index(drop=True), memory, translator)
    work_area.write_frame(f"{uri}/rows.arrow", localized.frame, opts)
    work_area.write_frame(f"{uri}/pending.arrow", localized.pending, opts)
    work_area.write_frame(f"{uri}/segments.arrow", localized.segments.astype(object), opts)
    return {k: v for k, v in localized.stats.items() if isinstance(v, int)}
