"""Long texts cut for a provider's size limit (after sentence ends, else between words), and texts packed into
requests."""
from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise


def split_for_request(text: str, max_chars: int, sentence_ends: Sequence[str]) -> list[str]:
    """Cut `text` into consecutive pieces of at most `max_chars` characters, after sentence ends where
    possible, else between words, else anywhere; "".join(pieces) == text."""
    if len(text) <= max_chars:
        return [text]
    ends = re.compile("|".join(re.escape(end) for end in sorted(sentence_ends, key=len, reverse=True)))
    units: list[str] = []
    for sentence in _cut_after(text, ends):
        units.extend([sentence] if len(sentence) <= max_chars else _cut_words(sentence, max_chars))
    return _pack(units, max_chars)


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    cuts = [match.end() for match in pattern.finditer(text)]
    bounds = [0, *cuts, len(text)]
    return [text[start:end] for start, end in pairwise(bounds) if end > start]


def _cut_words(sentence: str, max_chars: int) -> list[str]:
    words = re.findall(r"\s+|\S+\s*", sentence)
    return [word[i:i + max_chars] for word in words for i in range(0, len(word), max_chars)]


def _pack(units: list[str], max_chars: int) -> list[str]:
    pieces = [""]
    for unit in units:
        if pieces[-1] and len(pieces[-1]) + len(unit) > max_chars:
            pieces.append("")
        pieces[-1] += unit
    return pieces


def has_words(text: str) -> bool:
    """Whether there is anything to translate: a letter or a digit."""
    return any(ch.isalnum() for ch in text)


def request_batches(texts: list[str], max_chars: int, texts_per_request: int) -> list[list[str]]:
    """Group texts (each at most max_chars long) into requests within both limits, in order."""
    batches: list[list[str]] = []
    for text in texts:
        last = batches[-1] if batches else None
        if last and len(last) < texts_per_request and sum(map(len, last)) + len(text) <= max_chars:
            last.append(text)
        else:
            batches.append([text])
    return batches


# ---------------------------------------------------------------- the resilient wrapper
