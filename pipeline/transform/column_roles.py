"""Decides which vendor column fills which canonical field: header words, confirmed or overruled by content.

Authority, highest first:
1. the vendor profile's `columns` (method `profile`), then a recognised platform export's map
   (config/platforms.yaml, method `platform`): taken as they are;
2. the exact headers of config/column_synonyms.yaml (method `synonym`), then the header's words
   (config/header_lexicon.yaml, method `words`, pipeline.transform.header_words). The column's content
   (pipeline.transform.column_content) confirms the header or overrules it when its values clearly are
   something else ("Montants (€)" all zero is no price; a "Réf." whose values repeat is no reference): the
   column then becomes what its values are, or stays unused;
3. content alone, for a column whose header names nothing: barcodes, prices with a currency, quantities with a
   unit, picture links, long texts; in a sheet without a header also references, names and plain prices.
Then, per field: several price columns are ranked by config/price_preference.yaml; otherwise the best-named
column comes first and the others fill the rows it leaves empty. No title column: a title is composed of the
columns that name the product's attributes. No reference column, or an empty reference: the barcode, else a key
derived from the title, net content and attributes (pipeline.transform.columns). No net content column: the
net content written in the title.

Every decision is recorded for the manifest: the column (header, or position in a sheet without one), the
method, a confidence between 0 and 1, and, where content overruled a header, why.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from pipeline.transform.column_content import ContentProfile, profile_columns
from pipeline.transform.column_plan import ColumnPlan, Source
from pipeline.transform.header_words import HeaderReading, read_header
from pipeline.transform.price_columns import rank_prices
from pipeline.transform.reading_tables import ReadingTables, find_column, header_key

CHECKED_FIELDS = ("sku", "barcode", "price", "net_content")   # two columns disagreeing there is a conflict
FIELD_NAMES_FR = {"price": "prix", "sku": "référence", "barcode": "code EAN", "title": "désignation",
                  "net_content": "contenance", "weight": "poids", "stock": "stock", "image_urls": "images",
                  "category": "catégorie", "brand": "marque", "description": "description"}
UNIT_KINDS = {"net_content": ("mass", "volume"), "weight": ("mass",), "shelf_life": ("duration",)}
REQUIRED = ("title", "price")             # a sheet no column of which can be these publishes nothing


def decide_columns(sample: pd.DataFrame, tables: ReadingTables, *, platform: str | None = None,
                   overrides: Mapping[str, str] | None = None, headerless: bool = False) -> ColumnPlan:
    """The plan for a sheet of which `sample` holds the first rows (text cells under the sheet's column names;
    lineage columns are ignored)."""
    names = tuple(c for c in sample.columns if c not in ("vendor_id", "source_file", "source_row"))
    profiles = profile_columns(sample[list(names)], tables.values, tables.lexicon.is_empty_value)
    rows_distinct = len(sample[list(names)].drop_duplicates()) / len(sample) if len(sample) else 1.0
    plan: dict[str, list[Source]] = {t: list(s) for t, s in _override_sources(names, overrides or {}, tables).items()}
    ignored: set[str] = set()
    if platform is not None:
        for target, sources in _platform_sources(names, platform, tables).items():
            plan.setdefault(target, sources)
        ignoring = tables.platforms[platform].get("ignore", [])
        ignored = {c for c in (find_column(names, h) for h in ignoring) if c}
    notes: dict[str, str] = {}
    candidates: list[tuple[float, int, str, Source]] = []
    taken = ignored | {c for sources in plan.values() for s in sources for c in s.columns}
    readings = {n: (HeaderReading() if headerless else read_header(n, tables.lexicon)) for n in names}
    for position, name in enumerate(names):
        if name in taken:
            continue
        found = _column_candidate(name, readings[name], profiles[name], tables, headerless, notes, rows_distinct)
        if found is not None and platform is not None and found[2].method != "synonym" and found[1] != "barcode":
            found = None                # a platform export's own map says what its columns are
        if found is not None:
            candidates.append((found[0], position, found[1], found[2]))
    if headerless:
        candidates = _headerless_choices(names, profiles, candidates)
    _add_candidates(plan, candidates, platform, tables, sample)
    return _finish(names, plan, readings, profiles, notes, platform, headerless)


def _column_candidate(name: str, reading: HeaderReading, profile: ContentProfile, tables: ReadingTables,
                      headerless: bool, notes: dict[str, str], rows_distinct: float = 1.0
                      ) -> tuple[float, str, Source] | None:
    """(rank score, field, source) for one column not claimed by a profile or platform; None to leave it.
    Explanations of overruled headers go to `notes`."""
    synonym = tables.synonyms.get(header_key(name))
    if synonym is not None:
        reading = replace(reading, field=synonym.target, score=10.0 - synonym.rank / 100, fallback=synonym.fallback,
                          includes_vat=synonym.includes_vat if synonym.includes_vat is not None
                          else reading.includes_vat, unit=synonym.unit or reading.unit)
        method = "synonym"
    else:
        method = "words"
    if reading.field is not None:
        reason = contradiction(reading.field, profile, reading, rows_distinct)
        if reason is None:
            return reading.score, reading.field, _source(name, reading, profile, method)
        notes[name] = f"« {name} » n'est pas lu comme {FIELD_NAMES_FR.get(reading.field, reading.field)} : {reason}"
    elif reading.other is not None:
        return None
    guessed = content_field(profile, headerless)
    if guessed is None:
        return None
    target, fit = guessed
    return fit, target, _source(name, replace(reading, field=target, unit=None), profile, "content", fit * 0.8)


def _source(name: str, reading: HeaderReading, profile: ContentProfile, method: str,
            confidence: float | None = None) -> Source:
    target = reading.field
    if confidence is None:
        fit = 0.5 if profile.empty else 0.5 + 0.5 * support(target, profile, reading)
        confidence = round(min(1.0, fit + (0.1 if method == "synonym" else 0.0)), 2)
    in_text = target == "net_content" and profile.quantity < 0.8 and profile.quantity_inside >= 0.2
    unit = reading.unit if reading.unit_kind in UNIT_KINDS.get(target, ()) else None
    return Source((name,), unit=unit, includes_vat=reading.includes_vat if target == "price" else None,
                  filled=not profile.empty,
                  kind=(reading.price_kind or "regular") if target == "price" else None,
                  checked=target in CHECKED_FIELDS and not reading.fallback and method != "content",
                  method=method, confidence=round(confidence, 2), in_text=in_text)


def support(target: str, p: ContentProfile, reading: HeaderReading | None = None) -> float:
    """How well a column's values fit what its header says, 0 to 1 (1 for fields content cannot judge)."""
    with_unit = reading is not None and reading.unit is not None
    fits = {
        "barcode": max(p.gtin, p.barcode_like),
        "price": p.money * (1 - p.zero),
        "net_content": max(p.quantity, p.quantity_inside, p.money if with_unit else 0.0),
        "weight": max(p.quantity, p.money),
        "stock": p.integer,
        "image_urls": max(p.image, p.url),
        "sku": min(1.0, p.distinct / 0.9) * (1 - p.long),
        "title": p.text * (1 - p.currency),
    }
    return fits.get(target, 1.0)


def contradiction(target: str, p: ContentProfile, reading: HeaderReading | None = None,
                  rows_distinct: float = 1.0) -> str | None:
    """Why a column's values say it cannot be `target` although its header does, or None. `rows_distinct`: the
    share of the sample's rows that differ from one another (a reference may repeat where whole rows do: those
    are duplicated products, to reject as such; where rows differ, a code that repeats groups them)."""
    if p.empty:
        return None
    if target == "price":
        for share, what in ((p.zero, "ses valeurs sont toutes à zéro"), (p.fraction, "ce sont des taux"),
                            (p.quantity, "ce sont des quantités"), (p.date, "ce sont des dates")):
            if share >= 0.9:
                return what
        if p.year >= 0.9 and p.currency < 0.5:
            return "ce sont des années"
        if p.long >= 0.5:
            return "ce sont des phrases"
    if target == "barcode" and (p.image >= 0.8 or (p.text >= 0.8 and p.barcode_like < 0.2 and p.words >= 2)):
        return "ses valeurs ne sont pas des codes-barres"
    if target == "sku":
        if p.distinct < 0.5 and p.filled >= 4 and rows_distinct > 2 * p.distinct:
            return "ses valeurs se répètent : ce n'est pas une référence par produit"
        if p.long >= 0.5 or p.currency >= 0.8:
            return "ses valeurs ne sont pas des références"
    if target in ("title", "brand", "category", "description") and (p.currency >= 0.8 or p.gtin >= 0.9):
        return "ses valeurs sont des prix ou des codes-barres"
    if target == "net_content" and support("net_content", p, reading) < 0.2:
        return "ses valeurs ne sont pas des contenances"
    if target == "weight" and support("weight", p) < 0.2:
        return "ses valeurs ne sont pas des poids"
    if target == "stock" and (p.integer < 0.5 or p.text >= 0.5):
        return "ses valeurs ne sont pas des quantités en stock"
    if target == "image_urls" and support("image_urls", p) < 0.2:
        return "ses valeurs ne sont pas des liens ou fichiers d'images"
    return None


def content_field(p: ContentProfile, headerless: bool) -> tuple[str, float] | None:
    """(field, fit) a column's values alone make it, or None: in any sheet only what values say beyond doubt;
    in a sheet without a header also plain prices (see _headerless_choices for references and names)."""
    if p.empty:
        return None
    if p.gtin >= 0.8:
        return "barcode", p.gtin
    if p.image >= 0.8:
        return "image_urls", p.image
    if p.currency >= 0.8 and p.zero < 0.5:
        return "price", p.currency
    if p.quantity >= 0.8:
        return "net_content", p.quantity
    if headerless and p.money >= 0.9 and p.decimals >= 0.5 and max(p.year, p.zero, p.fraction) < 0.5:
        return "price", p.money * 0.9
    if p.long >= 0.6 and p.words >= 6:
        return "description", p.long * 0.9
    return None


def _headerless_choices(names: Sequence[str], profiles: Mapping[str, ContentProfile],
                        candidates: list[tuple[float, int, str, Source]]) -> list[tuple[float, int, str, Source]]:
    """Add, for a sheet without a header, its reference (the leftmost column of unique short codes) and its name
    (the text column of most distinct, longest values) to the content candidates."""
    claimed = {s.columns[0] for _, _, _, s in candidates}
    free = [(i, n) for i, n in enumerate(names) if n not in claimed and not profiles[n].empty]
    added = list(candidates)
    codes = [(i, n) for i, n in free if profiles[n].code >= 0.9 and profiles[n].distinct >= 0.8
             and profiles[n].words <= 1.2]
    if codes:
        i, n = codes[0]
        fit = profiles[n].code * profiles[n].distinct
        added.append((fit, i, "sku", Source((n,), checked=True, method="content", confidence=round(0.8 * fit, 2))))
    texts = [(profiles[n].distinct * min(profiles[n].length, 80), i, n) for i, n in free
             if (i, n) not in codes[:1] and profiles[n].text >= 0.9 and profiles[n].words >= 1.5]
    if texts:
        score, i, n = max(texts)
        fit = profiles[n].text * min(1.0, profiles[n].distinct / 0.5)
        added.append((fit, i, "title", Source((n,), method="content", confidence=round(0.7 * fit, 2))))
    return added


def _add_candidates(plan: dict[str, list[Source]], candidates: list[tuple[float, int, str, Source]],
                    platform: str | None, tables: ReadingTables, sample: pd.DataFrame) -> None:
    """Per field, order the candidates after what the profile and platform gave; the first fills the field, the
    next ones fill rows it leaves empty. A field the profile names takes nothing more; a field a platform maps
    takes only a barcode column the platform does not know (a plug-in's EAN)."""
    by_field: dict[str, list[tuple[float, int, Source]]] = {}
    for score, position, target, source in candidates:
        by_field.setdefault(target, []).append((score, position, source))
    for target, found in by_field.items():
        given = plan.get(target, [])
        if given and (any(s.method == "profile" for s in given) or target != "barcode"):
            continue
        sources = [s for _, _, s in sorted(found, key=_candidate_rank(target))]
        if sources[0].method != "content":
            sources = [sources[0], *[s for s in sources[1:] if s.method != "content"]]
        if target == "price":
            sources = rank_prices(sources, sample, tables)
        plan[target] = [*given, *_same_information(sources, sample)]


def _candidate_rank(target: str):
    """Synonyms, then words, then content; among words the strongest, except references: the leftmost of the
    well-named ones (a sheet's first code is its reference, a second one an internal or supplier code)."""
    methods = {"synonym": 0, "words": 1, "content": 2}
    if target == "sku":
        return lambda f: (not f[2].filled, methods[f[2].method], f[0] < 2, f[1])
    return lambda f: (not f[2].filled, methods[f[2].method], not f[2].checked, -f[0], f[1])


def _same_information(sources: list[Source], sample: pd.DataFrame) -> list[Source]:
    """The sources, less the checked ones that mostly disagree with the first on the sample: two reference
    columns that never agree are two references, not one written twice (only the first is kept)."""
    first = sources[0]
    if not first.checked or first.columns[0] not in sample:
        return sources
    kept = [first]
    for source in sources[1:]:
        if source.checked and source.includes_vat == first.includes_vat and source.columns[0] in sample:
            a, b = sample[first.columns[0]], sample[source.columns[0]]
            both = a.notna() & b.notna()
            if both.sum() >= 2 and (a[both].str.strip() == b[both].str.strip()).mean() < 0.5:
                continue
        kept.append(source)
    return kept


def _finish(names: Sequence[str], plan: dict[str, list[Source]], readings: Mapping[str, HeaderReading],
            profiles: Mapping[str, ContentProfile], notes: Mapping[str, str], platform: str | None,
            headerless: bool) -> ColumnPlan:
    """The plan once every field has its sources: composed title, attributes, decisions for the manifest."""
    used = {c for sources in plan.values() for s in sources for c in s.columns}
    attributes = tuple(n for n in names if n not in used and _is_attribute(readings[n], profiles[n]))
    position = {n: i + 1 for i, n in enumerate(names)}
    decisions = {target: _decision(sources, position, headerless) for target, sources in plan.items()}
    title_parts: tuple[str, ...] = ()
    if platform is None and "title" not in plan and "title_zh" not in plan and attributes:
        title_parts = tuple(n for n in names if n in attributes or n in plan_columns(plan, "category"))
        decisions["title"] = {"column": None if headerless else " + ".join(title_parts),
                              "position": [position[n] for n in title_parts], "method": "composed",
                              "confidence": 0.5}
    if "net_content" not in plan:
        decisions["net_content"] = {"column": None, "position": None, "method": "title", "confidence": 0.8}
    if "sku" not in plan:
        by_barcode = "barcode" in plan
        decisions["sku"] = {"column": None, "position": None, "confidence": 0.8 if by_barcode else 0.6,
                            "method": "barcode" if by_barcode else "derived"}
    missing = tuple(t for t in REQUIRED if t not in decisions and not (t == "title" and "title_zh" in plan))
    unused = tuple(n for n in names if n not in used and n not in title_parts)
    price = plan.get("price", [])
    short = [c for c in plan_columns(plan, "description") if profiles[c].long < 0.2]
    identity = tuple(dict.fromkeys([*plan_columns(plan, "brand"), *short, *attributes]))
    return ColumnPlan(tuple(names), platform, {t: tuple(s) for t, s in plan.items()}, decisions, unused,
                      {n: notes[n] for n in unused if n in notes}, title_parts, attributes, identity,
                      price[0].includes_vat if price else None, missing, headerless, "net_content" not in plan)


def plan_columns(plan: Mapping[str, Sequence[Source]], target: str) -> list[str]:
    return [c for s in plan.get(target, ()) for c in s.columns]


def _is_attribute(reading: HeaderReading, p: ContentProfile) -> bool:
    """A column unused otherwise that tells products apart: one its header calls an attribute (colour, size,
    vintage), or with no header meaning, short words (INT / EXT) or years (a vintage)."""
    if p.empty or p.url >= 0.5 or p.image >= 0.5:
        return False
    if reading.field in ("sku", "barcode"):
        return False                    # a code column overruled (its values repeat) is no attribute
    if reading.attribute:
        return True
    if reading.other is not None or reading.field is not None:
        return False
    return p.year >= 0.8 or (p.text >= 0.5 and p.long < 0.2 and p.currency < 0.5 and p.date < 0.5)


def _decision(sources: Sequence[Source], position: Mapping[str, int], headerless: bool) -> dict:
    first = sources[0]
    decision: dict[str, Any] = {
        "column": None if headerless else first.label,
        "position": position.get(first.columns[0]) if len(first.columns) == 1 else
        [position.get(c) for c in first.columns],
        "method": first.method, "confidence": first.confidence}
    if first.includes_vat is not None:
        decision["includes_vat"] = first.includes_vat
    if first.kind is not None:
        decision["kind"] = first.kind
    if len(sources) > 1:
        decision["also"] = [s.label if not headerless else position.get(s.columns[0]) for s in sources[1:]]
    return decision


def _override_sources(names: Sequence[str], overrides: Mapping[str, str], tables: ReadingTables
                      ) -> dict[str, list[Source]]:
    """Vendor profile overrides: a header as written (or equal once read as words) → canonical name."""
    unknown = set(overrides.values()) - set(tables.canonical)
    if unknown:
        raise ValueError(f"overrides name unknown canonical columns: {sorted(unknown)}")
    plan: dict[str, list[Source]] = {}
    for header, target in overrides.items():
        column = header if header in names else find_column(names, header)
        if column is None:
            continue
        reading = read_header(column, tables.lexicon)
        synonym = tables.synonyms.get(header_key(column))
        includes_vat = synonym.includes_vat if synonym and synonym.includes_vat is not None else reading.includes_vat
        unit = (synonym.unit if synonym else None) or reading.unit
        plan.setdefault(target, []).append(Source(
            (column,), unit=unit if target in UNIT_KINDS else None,
            includes_vat=includes_vat if target == "price" else None,
            kind=(reading.price_kind or "regular") if target == "price" else None, checked=True, method="profile"))
    return plan


def _platform_sources(names: Sequence[str], platform: str, tables: ReadingTables) -> dict[str, list[Source]]:
    plan: dict[str, list[Source]] = {}
    for target, entries in tables.platforms[platform]["columns"].items():
        for entry in entries:
            spec = entry if isinstance(entry, dict) else {"column": entry}
            found = tuple(c for c in (find_column(names, h) for h in spec.get("join", [spec.get("column")]))
                          if c is not None)
            sources = plan.setdefault(target, [])
            if found and all(found != s.columns for s in sources):
                sources.append(Source(found, spec.get("sep", " "), spec.get("unit"), spec.get("price_includes_vat"),
                                      "regular" if target == "price" else None, method="platform"))
    return {target: sources for target, sources in plan.items() if sources}
