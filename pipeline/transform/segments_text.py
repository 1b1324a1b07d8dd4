"""The canonical form of a text segment and of a language tag, as the translation memory keys on them."""
from __future__ import annotations

import unicodedata

SIMPLIFIED_CHINESE = "zh-CN"
_SIMPLIFIED_MARKS = {"hans", "chs"}
_TRADITIONAL_MARKS = {"hant", "cht"}
_SIMPLIFIED_REGIONS = {"cn", "sg"}


def normalise_segment(text: str) -> str:
    """`text` in NFC, every run of whitespace (newlines, no-break spaces) made one space, ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalise_lang(tag: str) -> str:
    """A language tag as the memory stores it: the language subtag alone ("fr-FR" → "fr", "EN" → "en"),
    except for Chinese, where the script matters: Simplified (zh, zh-cn, zh-Hans, zh_CN, zh-SG) → "zh-CN";
    Traditional tags keep their subtags in BCP 47 casing ("zh-tw" → "zh-TW", "zh-hant" → "zh-Hant")."""
    language, *subtags = tag.strip().replace("_", "-").lower().split("-")
    if language != "zh":
        return language
    if _is_simplified(set(subtags)):
        return SIMPLIFIED_CHINESE
    return "-".join(["zh", *(_bcp47_case(subtag) for subtag in subtags)])


def _is_simplified(subtags: set[str]) -> bool:
    if subtags & _SIMPLIFIED_MARKS:
        return True
    return not subtags & _TRADITIONAL_MARKS and (not subtags or bool(subtags & _SIMPLIFIED_REGIONS))


def _bcp47_case(subtag: str) -> str:
    """Script subtags in title case (Hant), region subtags in capitals (TW), others in lower case."""
    if len(subtag) == 4 and subtag.isalpha():
        return subtag.title()
    if len(subtag) == 2:
        return subtag.upper()
    return subtag
