"""Tests of pipeline.transform.text: normalisation, HTML to text, each distinct cell cleaned once."""
from __future__ import annotations

import html
import random
from unittest import mock

import pandas as pd
import pytest

from pipeline.transform import text
from pipeline.transform.text import html_to_text, normalise_text, refused_characters, trim_text


def cells(*values: object) -> pd.Series:
    return pd.Series(values, dtype=object)


@pytest.mark.parametrize(("cell", "expected"), [
    ("  Savon à la lavande ", "Savon à la lavande"),
    ("Savon\u00a0\u00a0à\u202fla\tlavande", "Savon à la lavande"),
    ("Ligne 1_x000D_\nLigne 2", "Ligne 1 Ligne 2"),
    ("Huile_x000d_", "Huile"),
    ("e\u0301té", "été"),                     # NFD from a Mac → NFC
    ("\u200bNougat\ufeff", "Nougat"),
    ("_x000D_", pd.NA),
    (pd.NA, pd.NA),
])
def test_normalise_text(cell: object, expected: object) -> None:
    result = normalise_text(cells(cell))
    assert result.dtype == object
    assert result.iloc[0] is expected if expected is pd.NA else result.iloc[0] == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("<p>Savon &eacute;l&eacute;gant</p><p>Huile d&#39;olive &amp; miel</p>",
     "Savon élégant\nHuile d'olive & miel"),
    ("Lavande<br>Romarin<br/>Thym<BR />Sauge", "Lavande\nRomarin\nThym\nSauge"),
    ("<ul><li>Huile</li><li>Soude</li></ul>", "Huile\nSoude"),
    ("<p><strong>Bio</strong>  et&nbsp;local</p>", "Bio et local"),
    ("<style>p{}</style><script>x()</script><!-- note -->Texte", "Texte"),
    ("Ligne 1\r\n\r\n\r\nLigne 2  ", "Ligne 1\nLigne 2"),
    ("Prix < 10 € et > 5 €", "Prix < 10 € et > 5 €"),
    ("<p> </p>", pd.NA),
])
def test_html_to_text(cell: str, expected: object) -> None:
    result = html_to_text(cells(cell)).iloc[0]
    assert result is expected if expected is pd.NA else result == expected


def test_a_description_is_published_without_escape_sequences() -> None:
    assert html_to_text(cells("<p>Savon \x1b[31mrouge\x1b[0m</p>")).tolist() == ["Savon rouge"]


def test_a_description_is_published_without_a_right_to_left_override() -> None:
    assert html_to_text(cells("Lavande \u202etxet")).tolist() == ["Lavande txet"]


def test_an_encoded_override_is_removed_once_decoded() -> None:
    assert html_to_text(cells("Lavande &#x202E;txet &#x2067;fin&#x2069;")).tolist() == ["Lavande txet fin"]


def test_description_line_breaks_stay_and_other_controls_go() -> None:
    assert html_to_text(cells("Ligne\x07 1\r\nLigne\x00 2\rLigne 3\x7f\x9f")).tolist() == [
        "Ligne 1\nLigne 2\nLigne 3"]


def test_a_terminal_hyperlink_is_removed_with_its_address() -> None:
    assert html_to_text(cells("Voir \x1b]8;;http://x.example\x1b\\ici\x1b]8;;\x1b\\.")).tolist() == ["Voir ici."]


@pytest.mark.parametrize(("cell", "expected"), [
    ("\x1b[31mrouge\x1b[0m", "rouge"),
    ("\x1b[1;31mMiel", "Miel"),
    ("\u202etxet", "txet"),
    ("Miel\u2066 \u2067de\u2068 \u202alavande\u202c\u2069\u200e\u200f", "Miel de lavande"),
    ("Savon\x00\x08\x7f\x80\x9f", "Savon"),
    ("Savon\x9b31m rouge", "Savon rouge"),              # the one-character CSI
    ("Savon\x1b", "Savon"),                             # an ESC that starts no sequence
    ("Savon\tà\x0bla\x0clavande\x1c\x85", "Savon à la lavande"),   # whitespace controls are whitespace
    ("e\x00\u0301té", "été"),                          # NFC once the control between e and its accent is gone
    ("\x1b[0m", pd.NA),
])
def test_normalise_text_removes_controls_escapes_and_bidi_characters(cell: str, expected: object) -> None:
    result = normalise_text(cells(cell)).iloc[0]
    assert result is expected if expected is pd.NA else result == expected


def test_refused_characters_names_the_code_points_of_a_key() -> None:
    keys = cells("A\tB", "A\nB", "ABC\u202e", "A\x1b[0m\x1b", "SAV-01 é 中", pd.NA, "a\ud800\x07")
    assert refused_characters(keys).tolist() == ["U+0009", "U+000A", "U+202E", "U+001B", pd.NA, pd.NA, "U+0007"]


def test_trim_text_keeps_case_and_inner_spaces() -> None:
    assert trim_text(cells("  Sav-01  A ", "   ", pd.NA)).tolist() == ["Sav-01  A", pd.NA, pd.NA]


def test_each_distinct_cell_is_processed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    s = cells("<p>a</p>", "<p>b</p>", "c & d").sample(10_000, replace=True, random_state=1)
    unescape = mock.Mock(wraps=html.unescape)
    monkeypatch.setattr(text.html, "unescape", unescape)
    clean = mock.Mock(wraps=text.clean_values)
    monkeypatch.setattr(text, "clean_values", clean)
    html_to_text(s)
    normalise_text(s)
    assert unescape.call_count == 3
    assert [len(call.args[0]) for call in clean.call_args_list] == [3]


def long_texts(count: int) -> list[str]:
    return [f"Savon de Marseille à l'huile d'olive, lot {n}" for n in range(count)]


def _generated_cells(count: int, seed: int) -> list[object]:
    """Random short cells mixing clean words with every character the cleaning regexes care about."""
    pieces = ["SKU-12", "Savon", "a", "<p>", "</p>", "<br/>", "&amp;", "&", "<", "_x000D_", "_x000d_", "_X000D",
              "_x000D", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2009", "\u202f", "\u200b",
              "\ufeff", "\x1c", "\x85", "e\u0301", "é", "~!", "\x7f", "\x00", "<script>x</script>", "<!-- c -->",
              "\x1b[31m", "\x1b", "\x9b", "\u202e", "\u2066", "&#x202e;"]
    rng = random.Random(seed)
    generated: list[object] = ["", " ", "a", "a b", "a  b", " a", "a ", "\n", "a\nb", "a \nb", pd.NA, None]
    generated += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(count)]
    return generated


@pytest.mark.parametrize(("fast", "regexes"), [(text.clean_values, text._clean_text),
                                               (text._plain_text, text._plain_text_of_html)])
def test_cells_kept_as_they_are_match_the_regex_path(fast, regexes) -> None:
    values = cells(*_generated_cells(20_000, seed=7))
    if fast is text._plain_text:
        values = values.dropna()                 # html_to_text passes only the cells that are not missing
    kept = text._matching_text(values, text.CLEAN_TEXT if fast is text.clean_values else text.CLEAN_PLAIN_TEXT)
    assert 0 < kept.sum() < len(values)          # both paths are taken
    expected = regexes(values)
    result = fast(values)
    assert result.dtype == object and result.index.equals(values.index)
    pd.testing.assert_series_equal(result, expected)
    assert result.isna().equals(expected.isna())


@pytest.mark.parametrize("cell", ["a\u00a0b", "a\u3000b", "a\u2009b", "a\u200bb", "\ufeffa", "a_X000d_b", "a\tb",
                                  "a\nb", "a  b", " a", "a ", "", "e\u0301"])
def test_cells_with_something_to_clean_are_not_kept(cell: str) -> None:
    assert not text._matching_text(cells(cell), text.CLEAN_TEXT).any()


def test_clean_values_keeps_non_text_cells_out_of_the_fast_path() -> None:
    assert text.clean_values(cells("abc", 12, b"abc")).tolist() == ["abc", pd.NA, pd.NA]
    assert text.clean_values(cells("abc", "a\ud800  b")).tolist() == ["abc", "a\ud800 b"]   # not UTF-8
