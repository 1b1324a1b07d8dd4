"""The localise step of a run: vendor Chinese, glossary, translation memory, machine translation, OpenCC."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from pipeline import config
from pipeline.extract import opencc_dictionaries
from pipeline.extract.translators import Translator
from pipeline.load.translation_memory import TranslationMemory
from pipeline.transform.chinese import to_simplified
from pipeline.transform.glossary import Glossary, apply_fixed, load_glossary, protect, restore
from pipeline.transform.segments import (
    assemble,
    copied_source_words,
    distinct_keys,
    distinct_texts,
    every_row,
    explode_segments,
    pending_table,
    rows_of_kinds,
    segment_keys,
    vendor_chinese,
)
from pipeline.transform.tm_format import Entry

log = logging.getLogger("eprovence.localize")
SEGMENT_COLUMNS = ["source_lang", "key", "provider"]
NO_TRANSLATOR = "no translation in memory and no translator (--translator none)"


@dataclass
class Localized:
    frame: pd.DataFrame            # the rows with *_zh filled where possible and `pending_reason`
    pending: pd.DataFrame          # pending_translation.csv lines
    stats: dict = field(default_factory=dict)
    segments: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SEGMENT_COLUMNS))  # how each
    # distinct (source_lang, key) was resolved: its provider (glossary, memory, a translator) or missing


def localize(rows: pd.DataFrame, memory: TranslationMemory, translator: Translator | None) -> Localized:
    """Fill the Chinese fields of `rows`; rows still lacking one get a `pending_reason`."""
    settings = config.config_file("localize.yaml")
    fields, target_lang = settings["fields"], settings["target_lang"]
    targets = list(fields.values())
    kinds, kind = distinct_texts(rows, [*fields, *targets, "source_lang", "opencc_config"])
    frame = vendor_chinese(kinds, fields, opencc_dictionaries.converter)
    supplied = int(frame[targets].notna().any(axis=1).to_numpy()[kind].sum())
    segments = explode_segments(frame, fields)
    segments["key"] = segment_keys(segments["source"])
    glossary = load_glossary(config.config_file("glossary.yaml"), extra_keep=_brand_terms(rows))
    distinct, position = distinct_keys(segments)
    resolved, stats = _resolve(distinct, glossary, memory, translator, target_lang,
                               settings["untranslated_word_min_letters"])
    for column in ("target", "provider", "reason"):             # object columns, as resolved has them
        segments[column] = pd.Series(resolved[column].to_numpy()[position], index=segments.index, dtype=object)
    frame = every_row(assemble(frame, segments, fields), kind, rows, [*targets, "pending_reason"])
    stats.update(segments=len(distinct), pending=int(resolved["target"].isna().sum()),
                 vendor_supplied=supplied)
    log.info("localise: %(segments)d distinct segments, %(glossary_hits)d glossary, %(tm_hits)d memory, "
             "%(mt_calls)d MT requests (%(mt_chars)d chars), %(pending)d pending", stats)
    waiting = rows_of_kinds(segments[segments["target"].isna()], kind, rows.index)
    return Localized(frame, pending_table(waiting, frame, target_lang), stats, resolved[SEGMENT_COLUMNS])


def _brand_terms(frame: pd.DataFrame) -> list[str]:
    return [b for b in frame.get("brand", pd.Series(dtype="object")).dropna().unique() if isinstance(b, str)]


def _resolve(distinct: pd.DataFrame, glossary: Glossary, memory: TranslationMemory,
             translator: Translator | None, target_lang: str, min_letters: int) -> tuple[pd.DataFrame, dict]:
    """target, provider and reason for each distinct (source_lang, key): glossary → memory → MT."""
    out = distinct.assign(target=pd.Series(pd.NA, index=distinct.index, dtype="object"),
                          provider=pd.NA, reason=pd.NA)
    fixed = out["key"].map(lambda k: apply_fixed(k, glossary))
    out.loc[fixed.notna(), "target"] = fixed.dropna()
    out.loc[fixed.notna(), "provider"] = "glossary"
    stats = {"glossary_hits": int(fixed.notna().sum()), "tm_hits": 0, "mt_calls": 0, "mt_chars": 0,
             "mt_translated": 0}
    for lang, group in out[out["target"].isna()].groupby("source_lang"):
        found = {key: entry.target for key, entry in memory.lookup(group["key"].tolist(), lang, target_lang).items()}
        hits = group["key"].map(found)
        out.loc[hits.dropna().index, "target"] = hits.dropna()
        out.loc[hits.dropna().index, "provider"] = "memory"
        stats["tm_hits"] += int(hits.notna().sum())
    todo = out[out["target"].isna()]
    if translator is None:
        out.loc[todo.index, "reason"] = NO_TRANSLATOR
        return out, stats
    for lang, group in todo.groupby("source_lang"):
        _machine_translate(out, group, lang, glossary, memory, translator, target_lang, min_letters)
    stats.update(mt_calls=translator.calls, mt_chars=translator.chars_sent,
                 mt_translated=int((out["provider"] == translator.name).sum()))
    return out, stats


def _machine_translate(out: pd.DataFrame, group: pd.DataFrame, lang: str, glossary: Glossary,
                       memory: TranslationMemory, translator: Translator, target_lang: str,
                       min_letters: int) -> None:
    """Translate one language's missing segments with their glossary terms shielded; store what passes."""
    protected = [protect(key, glossary) for key in group["key"]]
    results = translator.translate_many([masked for masked, _ in protected], lang, target_lang)
    targets, reasons = [], []
    for (_masked, spans), result in zip(protected, results, strict=True):
        if result.target is None:
            targets.append(None)
            reasons.append(result.error or "machine translation failed")
            continue
        restored, problem = restore(result.target, spans)
        targets.append(restored)
        reasons.append(problem)
    simplified = to_simplified(pd.Series(targets, index=group.index, dtype="object"),
                               opencc_dictionaries.converter("t2s"))
    allowed = set(glossary.keep)
    copied = copied_source_words(group["key"], simplified, allowed, min_letters) & simplified.notna()
    reasons = pd.Series(reasons, index=group.index, dtype="object")
    reasons[copied] = "machine translation left French words untranslated"
    good = simplified.notna() & ~copied
    out.loc[group.index, "reason"] = reasons.where(~good)
    out.loc[good[good].index, "target"] = simplified[good]
    out.loc[good[good].index, "provider"] = translator.name
    if good.any():
        memory.store([Entry(source=k, target=t, source_lang=lang, target_lang=target_lang, status="machine",
                            provider=translator.name)
                      for k, t in zip(group.loc[good, "key"], simplified[good], strict=True)])
