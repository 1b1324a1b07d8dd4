"""Reads a column header as words: the canonical field it names, how strongly, and what its qualifiers state.

A header is not looked up as a string: it is normalised into words (see `header_words`), phrases of the lexicon
(config/header_lexicon.yaml) are matched longest first, and each field's words add up, the first field word
weighing a half more. Qualifiers are read from the same words: VAT basis (HT / TTC), currency, unit (only in
parentheses or as the last word), kind of price (retail, wholesale, promo, regular).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

HEAD_BONUS = 1.5                    # the first field word of a header weighs this much more
PER_MEASURE = "per_measure"         # the kind of a price per kilo, litre or 100 g
PLACEHOLDER_SHAPE = re.compile(r"\D{1,16}")    # what a placeholder can look like: short, no digit ("A créer")
_ELISION = re.compile(r"\b(?:qu|[ldjmnst])['’‘ʼ`´]", re.IGNORECASE)
_NUMERO = re.compile(r"\bn(?:[°º]|o\.)", re.IGNORECASE)
_SIGNS = {"€": " eur ", "$": " usd ", "£": " gbp "}
_PARENTHESISED = re.compile(r"[(\[]([^)\]]*)[)\]]")
_WORD = re.compile(r"[^\W\d_]+|\d+")     # letters, or digits: "REF1" is "ref" "1"


def fold(text: str) -> str:
    """Casefolded, NFKD, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@functools.lru_cache(maxsize=8192)
def header_words(header: str) -> tuple[str, ...]:
    """The words of a header, as the lexicon is matched: "Nom de l’article" → ("nom", "article") once the
    stopwords are dropped by `Lexicon.words`; here: elisions dropped, "N°" → "numero", "€" → "eur", casefolded,
    accents and a plural "s" dropped, split on anything that is not a letter or a digit and between letters and
    digits."""
    text = _NUMERO.sub(" numero ", _ELISION.sub(" ", str(header)))
    for sign, word in _SIGNS.items():
        text = text.replace(sign, word)
    return tuple(_singular(word) for word in _WORD.findall(fold(text).replace("_", " ")))


@dataclass(frozen=True)
class HeaderReading:
    """What one header says."""

    field: str | None = None            # canonical source name it names, if any
    score: float = 0.0                  # the weight of its field words
    fallback: bool = False              # it names the field only as a stand-in (a sub-category, a supplier)
    other: str | None = None            # a known non-field it names instead (vat_rate, order, total, link …)
    attribute: bool = False             # it names a product attribute (colour, size, vintage …)
    includes_vat: bool | None = None
    currency: str | None = None
    unit: str | None = None             # a unit spelling of config/units.yaml ("g", "cl", "mois")
    unit_kind: str | None = None        # its kind there: mass, volume or duration
    price_kind: str | None = None       # retail | wholesale | promo | regular

    @property
    def recognised(self) -> bool:
        return bool(self.field or self.other or self.attribute)


@dataclass(frozen=True)
class _Entry:
    kind: str           # field | fallback | other | attribute | vat | currency | price_kind
    value: Any
    weight: float = 0.0


@dataclass(frozen=True)
class Lexicon:
    """config/header_lexicon.yaml, keyed by word sequences, with the unit spellings of config/units.yaml."""

    entries: Mapping[tuple[str, ...], tuple[_Entry, ...]]
    units: Mapping[str, tuple[str, str]]            # normalised spelling → (spelling in units.yaml, its kind)
    stopwords: frozenset[str]
    empty_values: frozenset[str]
    longest: int = field(default=1)

    @classmethod
    def from_config(cls, lexicon: Mapping[str, Any], units: Mapping[str, Any]) -> Lexicon:
        entries: dict[tuple[str, ...], list[_Entry]] = {}
        stopwords = frozenset(_singular(w) for w in lexicon.get("stopwords", []))

        def add(phrase: str, entry: _Entry) -> None:
            words = tuple(w for w in header_words(phrase) if w not in stopwords)
            if words:
                entries.setdefault(words, []).append(entry)

        for target, words in lexicon["fields"].items():
            for phrase, weight in words.items():
                add(str(phrase), _Entry("field", target, float(weight)))
        for target, phrases in lexicon.get("fallback_fields", {}).items():
            for phrase in phrases:
                add(phrase, _Entry("fallback", target, 2.0))
        for kind, phrases in lexicon.get("other", {}).items():
            for phrase in phrases:
                add(phrase, _Entry("other", kind))
        for phrase in lexicon.get("attributes", []):
            add(phrase, _Entry("attribute", True))
        for included, key in ((False, "excluded"), (True, "included")):
            for phrase in lexicon.get("vat", {}).get(key, []):
                add(phrase, _Entry("vat", included))
        for phrase, code in lexicon.get("currencies", {}).items():
            add(phrase, _Entry("currency", code))
        for kind, phrases in lexicon.get("price_kinds", {}).items():
            for phrase in phrases:
                add(phrase, _Entry("price_kind", kind))
        spellings = {}
        for kind in ("mass", "volume", "duration"):
            for spelling in units[kind]["factors"]:
                spellings.setdefault(_singular(fold(str(spelling))), (str(spelling), kind))
        empty = frozenset(" ".join(header_words(str(v))) or str(v).strip() for v in lexicon.get("empty_values", []))
        return cls({k: tuple(v) for k, v in entries.items()}, spellings, stopwords, empty,
                   max(map(len, entries), default=1))

    def words(self, header: str) -> tuple[str, ...]:
        return tuple(w for w in header_words(header) if w not in self.stopwords)

    def is_empty_value(self, cell: str) -> bool:
        """Whether a cell means "nothing here" (config `empty_values`: « A créer », « N/A », « ? »): a placeholder
        is short and holds no digit (PLACEHOLDER_SHAPE)."""
        stripped = cell.strip()
        if not stripped:
            return True
        if not PLACEHOLDER_SHAPE.fullmatch(stripped):
            return False
        return stripped in self.empty_values or " ".join(header_words(stripped)) in self.empty_values


def read_header(header: str, lexicon: Lexicon) -> HeaderReading:
    """What `header` names and states (see the module doc)."""
    words = lexicon.words(header)
    matches = _matches(words, lexicon)
    scores: dict[str, float] = {}
    strongest: dict[str, float] = {}    # a field's heaviest word: it breaks a tie ("N° EAN": EAN beats N°)
    fallback: dict[str, bool] = {}
    first_naming: _Entry | None = None
    found: dict[str, Any] = {}
    for entry in matches:
        if entry.kind in ("field", "fallback"):
            weight = entry.weight * (HEAD_BONUS if first_naming is None else 1.0)
            scores[entry.value] = scores.get(entry.value, 0.0) + weight
            strongest[entry.value] = max(strongest.get(entry.value, 0.0), entry.weight)
            fallback[entry.value] = fallback.get(entry.value, True) and entry.kind == "fallback"
        if entry.kind in ("field", "fallback", "other") and first_naming is None:
            first_naming = entry
        if entry.kind in ("vat", "currency", "price_kind", "attribute", "other"):
            found.setdefault(entry.kind, entry.value)
        if entry.kind == "price_kind" and entry.value == PER_MEASURE:
            found["price_kind"] = PER_MEASURE        # a price per kilo is one, whatever else its header says
    unit, unit_kind = _unit(header, words, lexicon)
    qualifiers = {"includes_vat": found.get("vat"), "currency": found.get("currency"), "unit": unit,
                  "unit_kind": unit_kind,
                  "price_kind": found.get("price_kind"), "attribute": bool(found.get("attribute"))}
    if first_naming is not None and first_naming.kind == "other":
        return HeaderReading(other=first_naming.value, **qualifiers)
    if not scores:
        return HeaderReading(other=found.get("other"), **qualifiers)
    best = max(scores, key=lambda name: (scores[name], strongest[name]))
    return HeaderReading(best, scores[best], fallback[best], **qualifiers)


def _matches(words: Sequence[str], lexicon: Lexicon) -> list[_Entry]:
    """The lexicon entries of `words`, left to right, the longest phrase at each position."""
    found: list[_Entry] = []
    at = 0
    while at < len(words):
        for length in range(min(lexicon.longest, len(words) - at), 0, -1):
            entries = lexicon.entries.get(tuple(words[at:at + length]))
            if entries:
                found.extend(entries)
                at += length
                break
        else:
            at += 1
    return found


def _unit(header: str, words: Sequence[str], lexicon: Lexicon) -> tuple[str | None, str | None]:
    """(unit, its kind) the header states in parentheses ("Poids (g)") or as its last word ("Contenance ml")."""
    inside = [w for part in _PARENTHESISED.findall(str(header)) for w in header_words(part)]
    for word in [*inside, *words[-1:]]:
        if word in lexicon.units:
            return lexicon.units[word]
    return None, None
