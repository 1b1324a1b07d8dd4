"""The guard against mojibake, UTF-8 read as Windows-1252 or Latin-1 (pipeline/transform/mojibake.py)."""
from __future__ import annotations

import random

import pandas as pd
import pytest

from pipeline.transform import mojibake
from pipeline.transform.mojibake import mojibake_cells, mojibake_in, mojibake_in_utf8, mojibake_sequences


def misread(text: str, codec: str = "cp1252") -> str:
    """`text` in UTF-8 read back byte by byte in `codec` (a byte it leaves undefined as Latin-1)."""
    return "".join(bytes([b]).decode(codec, errors="ignore") or chr(b) for b in text.encode("utf-8"))


def test_the_usual_sequences_are_derived() -> None:
    sequences = mojibake_sequences()
    assert {"Ã©", "Ã¨", "Ã\u00a0", "Ã ", "Ã¢", "â€", "Â\u00a0", "Â ", "ä¼", "ç»", "Å“"} <= sequences
    assert all(2 <= len(sequence) <= 3 for sequence in sequences)


@pytest.mark.parametrize("text", [
    *"éèêëàâäîïôöùûüçœæÉÈÀÇÊÎÔÛŒ", *"’‘“”–—…€«»°•™", "\u00a0",                 # each alone, as in a title
    "传统工艺", "橄榄油", "薰衣草精油", "（大）", "精油",                       # CJK, ideographs and full-width forms
])
@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_french_and_chinese_text_read_in_the_wrong_encoding_is_flagged(text: str, codec: str) -> None:
    assert mojibake_in(f"Savon {misread(text, codec)} bio") is not None


@pytest.mark.parametrize("text", [
    "Savonnerie Hostile Ã©Ã¨", "<p>ä¼ ç»Ÿå·¥è‰º…</p>", "Lâ€™huile", "12,50Â â‚¬", "Savon Ã  l'huile",
])
def test_the_issues_examples_are_flagged(text: str) -> None:
    assert mojibake_in(text) is not None


@pytest.mark.parametrize("text", [
    "Crème brûlée à l'ancienne", "“Un café…”", "« thé\u00a0»", "« thé »", "THÉ…", "CAFÉ\u00a0: 12,50\u00a0€",
    "parfumé…", "L'Haÿ-les-Roses", "naïf", "Shanghaï…", "ex æquo", "Noël", "Ça va", "œuf", "Œuvre",
    "Éclat’", "São Paulo", "Ærø", "Mañana", "Größe", "été’s", "n° 5 – 100 ml", "Prix\u00a0: 4,90\u00a0€ TTC",
    "传统工艺香皂", "橄榄油 500 ml", "薰衣草（大）", "",
])
def test_french_and_chinese_text_as_written_is_not(text: str) -> None:
    assert mojibake_in(text) is None


def test_cells_are_judged_once_per_distinct_value(monkeypatch) -> None:
    searched: list[str] = []
    pattern = mojibake.MOJIBAKE

    class Counting:
        def search(self, value: str):
            searched.append(value)
            return pattern.search(value)

    cells = pd.Series(["Savon Ã  l'huile", "Savon", pd.NA, "Savon Ã  l'huile", "Savon", None], dtype=object)
    monkeypatch.setattr(mojibake, "MOJIBAKE", Counting())
    mask = mojibake_cells(cells)

    assert mask.tolist() == [True, False, False, True, False, False]
    assert sorted(searched) == ["Savon", "Savon Ã  l'huile"]


def test_an_empty_column_has_no_mojibake() -> None:
    assert mojibake_cells(pd.Series([], dtype=object)).tolist() == []


def test_the_byte_scan_finds_what_the_expression_finds(monkeypatch) -> None:
    """mojibake_in_utf8, the readers' pass over a whole text, against MOJIBAKE on random texts, small scan blocks
    so that sequences straddle them."""
    monkeypatch.setattr(mojibake, "SCAN_BYTES", 7)
    rng = random.Random(5)
    pieces = ["a", " ", "é", "è", "à", "Ã", "Â", "©", "¨", "\u00a0", "â", "€", "™", "’", "…", "ä", "¼", "ç", "»", "Ÿ",
              "传", "\n", ";"]
    flagged = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = mojibake.MOJIBAKE.search(text) is not None
        flagged += expected
        assert mojibake_in_utf8(text.encode("utf-8")) == expected, repr(text)
        assert mojibake_in_utf8(memoryview(text.encode("utf-8"))) == expected, repr(text)
    assert 300 < flagged < 2700


def test_the_byte_scan_reads_a_large_text() -> None:
    clean = ("SAV-001;Crème brûlée « thé\u00a0» – 12,50\u00a0€ ; 传统工艺\n" * 20_000).encode("utf-8")
    assert not mojibake_in_utf8(clean)
    assert mojibake_in_utf8(clean + "SAV-002;Savon Ã  l'huile\n".encode())
    assert mojibake_in_utf8(clean[:1000] + "Ã©".encode() + clean[1000:])
    assert not mojibake_in_utf8(b"") and not mojibake_in_utf8(b"\xc3") and mojibake_in_utf8("Ã©".encode())
