"""The termbase (config/glossary.yaml): terms kept as written and fixed translations, shielded from MT.

Before machine translation each protected term is swapped for a placeholder shaped like an e-mail address,
`gt<n>@eprovence.invalid`. Engines are reported to copy e-mail addresses verbatim (DeepL masks markup
internally as `xml-ph-0000@deepl.internal`; translatebot-django PR #119 switched to such tokens after
DeepL mangled `<x>` tags), whereas bracket and underscore tokens (`###T01###`, `__count__`, `{xx0xx}`)
are reported squeezed, moved into words or translated (LibreTranslate issue #944, json-autotranslate
issue #51, tolgee-platform PR #3779 for Chinese targets). The reserved `.invalid` domain (RFC 2606)
cannot clash with a real address in a product text. `restore` accepts what an engine may do to such a
token (capitals, inner spaces, full-width `＠`/`．`, spaces around it) and nothing else.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pipeline.transform.segments_text import normalise_segment

PLACEHOLDER = "gt{number}@eprovence.invalid"
_PLACEHOLDER_AS_RETURNED = re.compile(
    r"(?P<before>[ \u00a0]*)gt\s*(?P<number>\d+)\s*[@＠]\s*eprovence\s*[.．]\s*invalid(?P<after>[ \u00a0]*)",
    re.IGNORECASE)
_PLACEHOLDER_REMNANT = re.compile(r"[@＠]\s*eprovence|eprovence\s*[.．]\s*invalid", re.IGNORECASE)
_APOSTROPHES = "'’"


@dataclass(frozen=True)
class Span:
    """One protected occurrence: the placeholder sent to MT, the text it replaced, what it becomes."""

    placeholder: str
    source: str
    rendering: str


@dataclass(frozen=True)
class Glossary:
    """Terms kept as written (`keep`) and fixed translations (`fixed`: source term → target text)."""

    keep: tuple[str, ...]
    fixed: Mapping[str, str]
    _terms: dict[str, tuple[str, str | None]] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """`_terms`: term key → (term, fixed translation or None to keep it); `_pattern` matches any term."""
        terms: dict[str, tuple[str, str | None]] = {_term_key(term): (term, None) for term in self.keep}
        terms.update({_term_key(term): (term, rendering) for term, rendering in self.fixed.items()})
        object.__setattr__(self, "_terms", terms)
        object.__setattr__(self, "_pattern", _terms_pattern([term for term, _ in terms.values()]))

    def rendering(self, written: str) -> str:
        """What a matched occurrence becomes: its fixed translation, or itself as written for a kept term."""
        key = _term_key(written)
        if key not in self._terms:      # letters re matches ignoring case but casefold() tells apart (İ, i)
            key = next(key for key, (term, _) in self._terms.items()
                       if re.fullmatch(_term_regex(term), written, re.IGNORECASE))
        fixed = self._terms[key][1]
        return written if fixed is None else fixed


def load_glossary(config: dict, extra_keep: Iterable[str] = ()) -> Glossary:
    """The glossary from config/glossary.yaml's content plus run-time keep terms (vendors' brands and names).

    A term in both lists is translated as `fixed` says; empty extra terms (no brand given) are ignored.
    """
    keep_terms = [*(config.get("keep") or []), *(term for term in extra_keep if isinstance(term, str))]
    keep = tuple(dict.fromkeys(normalise_segment(term) for term in keep_terms if term.strip()))
    fixed = {}
    for term, rendering in (config.get("fixed") or {}).items():
        if not isinstance(rendering, str) or not rendering.strip():
            raise ValueError(f"glossary: the fixed translation of {term!r} is empty")
        fixed[normalise_segment(term)] = rendering.strip()
    return Glossary(keep=keep, fixed=MappingProxyType(fixed))


def protect(text: str, glossary: Glossary) -> tuple[str, list[Span]]:
    """`text` with each glossary term (case-insensitive, accents count, whole words, longest first; a word
    joined by a hyphen is part of a longer word) replaced by a numbered placeholder, and the spans."""
    text = unicodedata.normalize("NFC", text)
    if glossary._pattern is None:
        return text, []
    spans: list[Span] = []

    def swap(match: re.Match[str]) -> str:
        placeholder = PLACEHOLDER.format(number=len(spans) + 1)
        spans.append(Span(placeholder, match.group(), glossary.rendering(match.group())))
        return placeholder

    return glossary._pattern.sub(swap, text), spans


def restore(translated: str, spans: list[Span]) -> tuple[str | None, str | None]:
    """(`translated` with each placeholder replaced by its rendering, None), or (None, reason) when a
    placeholder came back lost, duplicated or mangled."""
    seen = Counter(int(match["number"]) for match in _PLACEHOLDER_AS_RETURNED.finditer(translated))
    problem = _placeholder_problem(seen, spans)
    if problem:
        return None, problem
    restored = _PLACEHOLDER_AS_RETURNED.sub(lambda match: _render(match, spans[int(match["number"]) - 1]),
                                            translated)
    if _PLACEHOLDER_REMNANT.search(restored):
        return None, "a glossary placeholder came back mangled by machine translation"
    return restored, None


def apply_fixed(text: str, glossary: Glossary) -> str | None:
    """The translation of a segment that is one glossary term as a whole (no MT needed), else None."""
    whole = glossary._pattern.fullmatch(normalise_segment(text)) if glossary._pattern else None
    return glossary.rendering(whole.group()) if whole else None


def _placeholder_problem(seen: Counter[int], spans: list[Span]) -> str | None:
    unknown = sorted(set(seen) - set(range(1, len(spans) + 1)))
    if unknown:
        placeholder = PLACEHOLDER.format(number=unknown[0])
        return f"machine translation returned an unknown glossary placeholder ({placeholder})"
    for number, span in enumerate(spans, start=1):
        if seen[number] == 0:
            return f"glossary term {span.source!r} was lost by machine translation"
        if seen[number] > 1:
            return f"glossary term {span.source!r} was duplicated by machine translation"
    return None


def _render(match: re.Match[str], span: Span) -> str:
    """The rendering, without the spaces an engine put between it and Chinese text it joins directly."""
    text = match.string
    left = text[match.start() - 1] if match.start() > 0 else ""
    right = text[match.end()] if match.end() < len(text) else ""
    before = "" if _is_wide(left) and _is_wide(span.rendering[0]) else match["before"]
    after = "" if _is_wide(right) and _is_wide(span.rendering[-1]) else match["after"]
    return before + span.rendering + after


def _is_wide(character: str) -> bool:
    """True for CJK ideographs and full-width punctuation, which are written without spaces between them."""
    return bool(character) and unicodedata.east_asian_width(character) in ("W", "F")


def _term_key(term: str) -> str:
    """How a term listed twice is recognised: case, spacing and apostrophe style aside."""
    return normalise_segment(term).replace("’", "'").casefold()


def _terms_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """One regular expression matching any term as a whole word, the longest term first.

    No capturing group per term: they make matching about five times slower.
    """
    if not terms:
        return None
    longest_first = sorted(terms, key=lambda term: (-len(term), term))
    alternatives = "|".join(dict.fromkeys(_term_regex(term) for term in longest_first))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _term_regex(term: str) -> str:
    """A term as a regular expression: any run of spaces between its words, either apostrophe style."""
    words = normalise_segment(term).split(" ")
    return r"\s+".join(re.sub(f"[{_APOSTROPHES}]", f"[{_APOSTROPHES}]", re.escape(word)) for word in words)
