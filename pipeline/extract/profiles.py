"""Loads and checks the optional vendor profile <intake>/<vendor_id>/profile.yaml (defaults when absent)."""
from __future__ import annotations

import codecs
import difflib
import os
import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline import config

PROFILE_FILE = "profile.yaml"
MAX_PROFILE_BYTES = 64 << 10     # a profile is a few lines: a larger file is no profile
SHOWN_VALUE_CHARS = 80           # of a wrong value, in an error message
DELIMITERS = {";": ";", ",": ",", "\t": "\t", "tab": "\t"}
OPENCC_CONFIGS = ("t2s", "tw2sp", "tw2s", "hk2s")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class VendorProfile:
    """What a vendor's sheets do not say themselves; every field is optional in profile.yaml."""

    vendor_id: str
    vendor_name: str | None = None
    brand: str | None = None                 # when absent: vendor_name, else vendor_id
    columns: Mapping[str, str] = field(default_factory=dict)   # vendor header → canonical source name
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None            # 1-based spreadsheet row of the header
    sheet: str | None = None
    source_lang: str = "fr"
    price_includes_vat: bool | None = None
    currency: str = "EUR"
    origin: str = "France"
    opencc_config: str = "t2s"
    product_class: str | None = None

    def __post_init__(self) -> None:
        if self.brand is None:      # small producers are their own brand (DESIGN.md, Intake)
            object.__setattr__(self, "brand", self.vendor_name or self.vendor_id)


class _NoAliasLoader(yaml.SafeLoader):
    """yaml.SafeLoader refusing anchors and aliases: a profile needs none, and a few hundred bytes of nested
    aliases expand into gigabytes (a "billion laughs")."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's own signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed in a profile", event.start_mark)
        return super().compose_node(parent, index)


class ProfileError(ValueError):
    """A profile.yaml that cannot be used; the message names the file and the key."""


def load_profile(intake_url: str, vendor_id: str, storage_options: dict | None = None) -> VendorProfile:
    """The vendor's profile, or the default profile when the vendor has no profile.yaml."""
    url = f"{intake_url.rstrip('/')}/{vendor_id}/{PROFILE_FILE}"
    named = f"{vendor_id}/{PROFILE_FILE}"        # as messages name it: the intake's own place stays unsaid
    fs, path = url_to_fs(url, **(storage_options or {}))
    try:
        if isinstance(fs, LocalFileSystem) and os.path.islink(path):
            raise ProfileError(f"{named}: a symbolic link: not read")
        if fs.size(path) > MAX_PROFILE_BYTES:
            raise ProfileError(f"{named}: {fs.size(path):,} bytes, more than a profile's {MAX_PROFILE_BYTES:,}")
        text = fs.cat_file(path).decode("utf-8-sig")
    except FileNotFoundError:
        return VendorProfile(vendor_id=vendor_id)
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{named}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_profile(text, vendor_id, named)


def parse_profile(text: str, vendor_id: str, source: str) -> VendorProfile:
    """Check each key of a profile's YAML text; `source` names the file in error messages."""
    try:
        raw = yaml.load(text, Loader=_NoAliasLoader)   # noqa: S506 - a SafeLoader that also refuses aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ProfileError(f"{source}: not valid YAML{line}: {getattr(exc, 'problem', exc)}") from exc
    if raw is None:
        return VendorProfile(vendor_id=vendor_id)
    if not isinstance(raw, dict):
        raise ProfileError(f"{source}: expected key: value pairs, found {type(raw).__name__}")
    checked = {key: _checked(key, value, source) for key, value in raw.items()}
    return VendorProfile(vendor_id=vendor_id, **checked)


def _checked(key: Any, value: Any, source: str) -> Any:
    """The value of one profile key, normalised; ProfileError naming the file and the key when wrong."""
    if key not in CHECKS:
        if not isinstance(key, str) or len(key) > SHOWN_VALUE_CHARS:
            raise ProfileError(f"{source}: unknown key {_shown(key)}")
        if key == "vendor_id":
            hint = "the vendor id is the name of the vendor's folder"
        else:
            close = difflib.get_close_matches(str(key), list(CHECKS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(CHECKS)}"
        raise ProfileError(f"{source}: unknown key '{key}'; {hint}")
    try:
        return CHECKS[key](value)
    except _Expected as expected:
        raise ProfileError(f"{source}: key '{key}' must be {expected}, not {_shown(value)}") from None


def _shown(value: Any) -> str:
    """A value's repr, cut to SHOWN_VALUE_CHARS characters."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = SHOWN_VALUE_CHARS
    text = shortener.repr(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS - 1] + "…"


class _Expected(Exception):
    """What a profile key's value should have been."""


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Expected("a non-empty text")
    return value.strip()


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


def _row_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Expected("a row number (1 or more)")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Expected("true or false")
    return value


def _encoding(value: Any) -> str:
    try:
        codecs.lookup(_text(value))
    except LookupError:
        raise _Expected("an encoding name such as utf-8, cp1252 or utf-16") from None
    return _text(value)


def _delimiter(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in DELIMITERS:
        raise _Expected("';', ',' or tab")
    return DELIMITERS[value.lower()]


def _opencc_config(value: Any) -> str:
    if value not in OPENCC_CONFIGS:
        raise _Expected(f"one of {', '.join(OPENCC_CONFIGS)}")
    return value


def _currency(value: Any) -> str:
    code = _text(value).upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise _Expected("a three-letter ISO 4217 code such as EUR")
    return code


def _columns(value: Any) -> dict[str, str]:
    """Vendor header → canonical source name, each checked against schemas/vendor_product.yaml."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise _Expected('a mapping of vendor header: canonical column, both texts '
                        '(quote headers like "2024")')
    allowed = canonical_sources()
    unknown = [target for target in value.values() if target not in allowed]
    if unknown:
        raise _Expected(f"a mapping onto canonical columns ({', '.join(allowed)}); '{unknown[0]}' is not one")
    return {header.strip(): target for header, target in value.items()}


def canonical_sources() -> list[str]:
    """The canonical source column names a vendor column can be mapped to, in schema order."""
    return [spec.get("source", name) for name, spec in config.schema_fields().items()
            if spec.get("parser") not in ("derived", "mapper")]


CHECKS: dict[str, Callable[[Any], Any]] = {
    "vendor_name": _optional(_text),
    "brand": _optional(_text),
    "columns": _columns,
    "encoding": _optional(_encoding),
    "delimiter": _optional(_delimiter),
    "header_row": _optional(_row_number),
    "sheet": _optional(_text),
    "source_lang": _text,
    "price_includes_vat": _optional(_boolean),
    "currency": _currency,
    "origin": _text,
    "opencc_config": _opencc_config,
    "product_class": _optional(_text),
}
