"""The tables a sheet's columns are read with, built once from config/'s data, and how a header is compared and
recognised with them.

- reading_tables: config/header_lexicon.yaml (as a Lexicon), config/column_synonyms.yaml (exact headers),
  config/platforms.yaml, config/price_preference.yaml, the VAT rates of config/vat.yaml and the schema's
  canonical columns;
- normalise_header, header_key, find_column: a header for exact comparisons (synonyms, platform columns, a
  vendor profile's headers);
- header_recogniser: whether a cell names a column, which is how a sheet's header row is found.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from pipeline.transform.header_words import Lexicon, fold, read_header
from pipeline.transform.value_tables import ValueTables

_DUPLICATE_SUFFIX = re.compile(r" \(\d+\)$")   # the reader's " (2)" on a repeated header
_NOT_A_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Synonym:
    target: str
    rank: int
    unit: str | None
    includes_vat: bool | None
    fallback: bool


@dataclass(frozen=True)
class ReadingTables:
    """The configuration a sheet's columns are read with."""

    lexicon: Lexicon
    synonyms: Mapping[str, Synonym]             # header words joined by spaces → what it fills
    platforms: Mapping[str, dict]
    preference: Mapping[str, Sequence[str]]     # kinds, basis
    vat_rates: tuple[Decimal, ...]
    canonical: tuple[str, ...]                  # canonical source names, in schema order
    text_columns: tuple[str, ...]               # the text frame's columns after the lineage: every field's source
    field_of_source: Mapping[str, str]          # canonical source name → schema field (shelf_life, weight differ)
    values: ValueTables                         # the tables cells are read with (content, price columns)
    known: frozenset[str] = frozenset()         # header keys of synonyms, canonical names and platform columns


def reading_tables(fields: Mapping[str, Mapping[str, Any]], files: Mapping[str, Any], values: ValueTables
                   ) -> ReadingTables:
    """The tables of the schema's `fields` and of config/ (`files` by name: header_lexicon, column_synonyms,
    platforms, price_preference, vat, units), with the value tables cells are read with."""
    lexicon = Lexicon.from_config(files["header_lexicon.yaml"], files["units.yaml"])
    synonyms: dict[str, Synonym] = {}
    for target, entries in files["column_synonyms.yaml"].items():
        for rank, entry in enumerate(entries):
            spec = entry if isinstance(entry, dict) else {"header": entry}
            synonyms.setdefault(header_key(spec["header"]), Synonym(
                target, rank, spec.get("unit"), spec.get("price_includes_vat"), spec.get("fallback", False)))
    rates = tuple(sorted({Decimal(r) for r in files["vat.yaml"]["rates"].values()}))
    canonical = tuple(spec.get("source", name) for name, spec in fields.items()
                      if spec.get("parser") not in ("derived", "mapper"))
    text_columns = tuple(spec.get("source", name) for name, spec in fields.items() if spec.get("parser") != "derived")
    field_of_source = {spec.get("source", name): name for name, spec in fields.items()}
    tables = ReadingTables(lexicon, synonyms, files["platforms.yaml"], files["price_preference.yaml"], rates,
                           canonical, text_columns, field_of_source, values)
    return replace(tables, known=_known_headers(tables))


@functools.lru_cache(maxsize=4096)
def normalise_header(header: str) -> str:
    """Casefolded, accents stripped, each run of punctuation and spaces turned into one space, trimmed."""
    return _NOT_A_WORD.sub(" ", fold(str(header))).strip()


def header_key(header: str) -> str:
    """A header for exact comparisons: case, accents, punctuation and spacing aside ("Réf." = "REF" = "ref";
    "Prix (€ HT)" = "Prix HT"), the reader's " (2)" on a repeated header dropped ("Prix (2)" → "prix")."""
    return normalise_header(_DUPLICATE_SUFFIX.sub("", str(header).strip()))


def find_column(columns: Sequence[str], *names: str) -> str | None:
    """The first column (in sheet order) matching the first of `names` that any column matches."""
    keys = [header_key(c) for c in columns]
    for name in names:
        wanted = normalise_header(name)
        if wanted in keys:
            return columns[keys.index(wanted)]
    return None


def header_recogniser(tables: ReadingTables, also_known: Collection[str] = ()) -> Callable[[str], bool]:
    """Whether a cell names a column: header words (a field, a known other column, an attribute), an exact
    synonym, a platform export's column, or one of `also_known` (the headers a vendor profile maps)."""
    known = (tables.known or _known_headers(tables)) | {header_key(h) for h in also_known}

    @functools.lru_cache(maxsize=4096)
    def recognised(cell: str) -> bool:
        text = str(cell).strip()
        if not text or len(text) > 80:
            return False
        return header_key(text) in known or read_header(text, tables.lexicon).recognised
    return recognised


def _known_headers(tables: ReadingTables) -> frozenset[str]:
    names: set[str] = set(tables.synonyms) | {header_key(c) for c in tables.canonical}
    for spec in tables.platforms.values():
        for item in spec["signature"] + spec.get("fold", {}).get("inherit", []):
            names.update(header_key(h) for h in ([item] if isinstance(item, str) else item))
        for entries in spec["columns"].values():
            for entry in entries:
                headers = entry.get("join", [entry.get("column")]) if isinstance(entry, dict) else [entry]
                names.update(header_key(h) for h in headers)
    return frozenset(names)
