"""Tells text that shows UTF-8 read as Windows-1252 or Latin-1 ("mojibake"): « Ã© » for « é », « â€™ » for « ’ »,
« ä¼ ç»Ÿ » for « 传统 ». Such text must reach neither the feed nor the translator.

The sequences are derived, not listed by hand: every accented Latin letter, the typographic and Latin-1 signs and
the common CJK characters (the unified ideographs, CJK punctuation, full-width forms) are encoded in UTF-8 and the
bytes read back as Windows-1252 (a byte it leaves undefined read as Latin-1, as Windows tools do) and as Latin-1.
A reading's first two characters are a sequence (« Ã© », « Â\u00a0 », « â€ », « ä¼ », « ç» »), unless French
writes them: a letter that ends French words followed by a sign (« é… » ends « parfumé… », « é” » ends
« “thé” »). Such a reading is a sequence only whole, three characters long or more, and not when all its signs are
signs French puts after a word (« “café…” » holds « é…” », the reading of 酔; « thé\u00a0» » holds « é\u00a0» »,
the reading of 頻): « é…” » is French, « è‰º » is not. The no-break space of a two-byte character's reading
(« Ã\u00a0 » for « à ») may have become a plain space on the way: both count.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict

import numpy as np
import pandas as pd

# Letters that end French words (« CAFÉ… » in capitals), and the signs French puts after a word, one or two.
FRENCH_FINALS = frozenset("éèàùûôëïÿÉÈÀ")
FRENCH_SIGNS = frozenset("…’‘“”«»–—•€°™®©²³¹·‰\u00a0 ")


def _encoded_characters() -> list[str]:
    """The characters whose UTF-8 bytes, misread, make the sequences."""
    latin = [chr(c) for c in range(0xC0, 0x250) if unicodedata.category(chr(c)).startswith("L")]
    signs = [chr(c) for c in range(0xA0, 0xC0)] + list("×÷’‘‚“”„…–—•†‡‰‹›€™№")
    cjk = [chr(c) for c in (*range(0x3000, 0x3040), *range(0x4E00, 0xA000), *range(0xFF01, 0xFF5F))]
    return latin + signs + cjk


def _byte_readings(codec: str) -> list[str]:
    """Each byte read alone in `codec`; one `codec` leaves undefined read as Latin-1."""
    def read(byte: int) -> str:
        try:
            return bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            return chr(byte)
    return [read(byte) for byte in range(256)]


@functools.cache
def mojibake_sequences() -> frozenset[str]:
    """Every sequence that tells UTF-8 read as Windows-1252 or Latin-1 (see the module's docstring)."""
    found = set()
    tables = [_byte_readings(codec) for codec in ("cp1252", "latin-1")]
    for character in _encoded_characters():
        encoded = character.encode("utf-8")
        for table in tables:
            reading = "".join([table[byte] for byte in encoded])
            if reading[0] not in FRENCH_FINALS or reading[1].isalpha():
                found.add(reading[:2])
                if len(reading) == 2:
                    found.add(reading.replace("\u00a0", " "))
            elif len(reading) > 2 and not FRENCH_SIGNS.issuperset(reading[1:]):
                found.add(reading)
    return frozenset(found)


def _pattern(sequences: frozenset[str]) -> str:
    """One regular expression matching any of `sequences`, grouped by first and second character (a trie), so
    that a character opening none of them costs one test."""
    tree: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for sequence in sequences:
        tree[sequence[0]][sequence[1]].add(sequence[2:])
    branches = []
    for first in sorted(tree):
        ends_here = sorted(second for second, rests in tree[first].items() if "" in rests)
        longer = []
        for second in sorted(tree[first]):
            rests = sorted(rest for rest in tree[first][second] if rest)
            if rests and second not in ends_here:
                longer.append(re.escape(second) + "(?:" + "|".join(map(re.escape, rests)) + ")")
        options = ([_char_class(ends_here)] if ends_here else []) + longer
        branches.append(re.escape(first) + "(?:" + "|".join(options) + ")")
    return "|".join(branches)


def _char_class(characters: list[str]) -> str:
    return "[" + "".join(map(re.escape, characters)) + "]"


MOJIBAKE_PATTERN = _pattern(mojibake_sequences())
MOJIBAKE = re.compile(MOJIBAKE_PATTERN)


def mojibake_in(text: str) -> str | None:
    """The first mojibake sequence in `text`, None when there is none."""
    found = MOJIBAKE.search(text)
    return found.group() if found else None


def mojibake_cells(cells: pd.Series) -> np.ndarray:
    """Whether each cell shows mojibake (a missing cell does not), judged once per distinct value."""
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    search = MOJIBAKE.search
    flagged = np.fromiter((search(str(value)) is not None for value in distinct), dtype=bool, count=len(distinct))
    return np.append(flagged, False)[codes]


# The UTF-8 bytes a sequence starts with: its first character (Â to ï: C3 then one byte) and the first two bytes of
# its second (one byte for a plain space, then any third byte), as a table [first's second byte][byte][byte].
def _start_table() -> tuple[np.ndarray, np.ndarray]:
    starts = {(s[0].encode("utf-8"), s[1].encode("utf-8")) for s in mojibake_sequences()}
    seconds = sorted({first[1] for first, _ in starts})
    index = np.full(256, len(seconds), dtype=np.intp)
    index[seconds] = np.arange(len(seconds))
    table = np.zeros((len(seconds) + 1, 256, 256), dtype=bool)
    for first, second in starts:
        assert first[0] == 0xC3
        if len(second) == 1:
            table[index[first[1]], second[0], :] = True
        else:
            table[index[first[1]], second[0], second[1]] = True
    return index, table


_FIRST_INDEX, _STARTS = _start_table()
SCAN_BYTES = 1 << 19        # bytes compared at a time, for the comparison to stay in the processor's cache


def mojibake_in_utf8(encoded: bytes | memoryview) -> bool:
    """Whether the UTF-8 text `encoded` holds a mojibake sequence anywhere: numpy finds the bytes that could start
    one (C3, then a byte of its first character, then the first bytes of a second that is not ASCII, or a space),
    a pass over the bytes that costs a tenth of a regular expression over the characters; MOJIBAKE then confirms
    each. For a reader to check its cells one by one only when this says so."""
    if isinstance(encoded, bytes) and encoded.isascii():
        return False
    data = np.frombuffer(encoded, dtype=np.uint8)
    size = len(data) - 3                # a sequence's start is read on four bytes: the text ends with three more
    mask = np.empty(min(SCAN_BYTES, max(size, 0)), dtype=bool)
    for start in range(0, size, SCAN_BYTES):
        part = data[start:min(start + SCAN_BYTES, size)]
        at = np.flatnonzero(np.equal(part, 0xC3, out=mask[:len(part)])) + start
        follow = data[at + 2]
        at = at[(follow >= 0x80) | (follow == 0x20)]
        for position in at[_STARTS[_FIRST_INDEX[data[at + 1]], data[at + 2], data[at + 3]]]:
            if MOJIBAKE.match(bytes(encoded[position:position + 16]).decode("utf-8", "ignore")):
                return True
    tail = bytes(encoded[max(size, 0):])
    return MOJIBAKE.search(tail.decode("utf-8", "ignore")) is not None
