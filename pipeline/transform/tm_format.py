"""The translation memory's entry and its file format, shared by `eprovence tm import` (pipeline.extract.tm_import)
and `eprovence tm export` (pipeline.load.tm_export): TMX 1.4 units carrying the status and provider as
`<prop type="x-eprovence-status">` and `x-eprovence-provider`, CSV files with these columns."""
from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("machine", "approved")
DEFAULT_SOURCE_LANG = "fr"
DEFAULT_TARGET_LANG = "zh-CN"
STATUS_PROPERTY = "x-eprovence-status"
PROVIDER_PROPERTY = "x-eprovence-provider"
CSV_COLUMNS = ["source_lang", "target_lang", "source", "target", "status", "provider"]


@dataclass(frozen=True)
class Entry:
    """One translation of a source segment; `provider` names where it came from (libre, deepl, import:…)."""

    source: str
    target: str
    source_lang: str = DEFAULT_SOURCE_LANG
    target_lang: str = DEFAULT_TARGET_LANG
    status: str = "machine"
    provider: str = ""


class TMFileError(ValueError):
    """A memory file that cannot be read; the message is one line naming the file and the place."""
