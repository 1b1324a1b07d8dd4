"""The providers' clients: deep-translator's backends (one text per request, under the HTTP policy) and the
official DeepL client."""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import requests

from pipeline.extract.translators.http_policy import EXCHANGE, HttpExchange, classify_http, install_policy
from pipeline.extract.translators.interface import Backend, RequestFailed


class _DeepTranslatorBackend:
    """A deep-translator class, one text per request. Its instances keep per-request state (Google's URL
    parameters), so each worker thread gets its own, per language pair."""

    texts_per_request = 1

    def __init__(self, module: ModuleType, make: Callable[[str, str], Any], timeout_s: float,
                 params_in_body: bool = False):
        install_policy(module)
        self._make = make
        self._timeout_s = timeout_s
        self._params_in_body = params_in_body
        self._local = threading.local()

    def send(self, texts: list[str], source: str, target: str) -> list[str | None]:
        (text,) = texts
        exchange = HttpExchange(self._timeout_s, self._params_in_body)
        token = EXCHANGE.set(exchange)
        try:
            return [self._engine(source, target).translate(text)]
        except Exception as exc:  # deep-translator raises anything from KeyError to its own types
            raise classify_http(exc, exchange) from exc
        finally:
            EXCHANGE.reset(token)

    def _engine(self, source: str, target: str) -> Any:
        if not hasattr(self._local, "engines"):
            self._local.engines = {}
        engines = self._local.engines
        if (source, target) not in engines:
            engines[source, target] = self._make(source, target)
        return engines[source, target]


def _google(env: Mapping[str, str], timeout_s: float) -> Backend:
    from deep_translator import GoogleTranslator, google

    return _DeepTranslatorBackend(google, lambda s, t: GoogleTranslator(source=s, target=t), timeout_s)


def _mymemory(env: Mapping[str, str], timeout_s: float) -> Backend:
    from deep_translator import MyMemoryTranslator, mymemory

    return _DeepTranslatorBackend(mymemory, lambda s, t: MyMemoryTranslator(source=s, target=t), timeout_s)


def _microsoft(env: Mapping[str, str], timeout_s: float) -> Backend:
    from deep_translator import MicrosoftTranslator, microsoft

    key, region = env["MICROSOFT_API_KEY"], env.get("MICROSOFT_REGION") or None
    return _DeepTranslatorBackend(
        microsoft, lambda s, t: MicrosoftTranslator(source=s, target=t, api_key=key, region=region), timeout_s
    )


def _libre(env: Mapping[str, str], timeout_s: float) -> Backend:
    """deep-translator puts q and api_key in the URL; they go in the form body instead (LibreTranslate reads
    both), which keeps the key out of URLs that urllib3 logs and long texts out of URL length limits."""
    from deep_translator import LibreTranslator, libre

    url, key = env["LIBRETRANSLATE_URL"].rstrip("/") + "/", env["LIBRE_API_KEY"]
    return _DeepTranslatorBackend(
        libre, lambda s, t: LibreTranslator(source=s, target=t, api_key=key, custom_url=url), timeout_s,
        params_in_body=True,
    )


def _baidu(env: Mapping[str, str], timeout_s: float) -> Backend:
    from deep_translator import BaiduTranslator, baidu

    appid, appkey = env["BAIDU_APPID"], env["BAIDU_APPKEY"]
    return _DeepTranslatorBackend(
        baidu, lambda s, t: BaiduTranslator(source=s, target=t, appid=appid, appkey=appkey), timeout_s
    )


# ---------------------------------------------------------------- DeepL through its official client


class _DeepLBackend:
    """deepl.Translator, several texts per request. Its own retry loop is switched off (the documented
    module settings deepl.http_client.max_network_retries and min_connection_timeout) so that the wrapper
    alone decides; deepl's timeout is never below ~1 s, its first backoff interval."""

    texts_per_request = 50  # DeepL API: up to 50 texts in one translate request

    def __init__(self, auth_key: str, server_url: str | None, timeout_s: float):
        import deepl

        deepl.http_client.max_network_retries = 0
        deepl.http_client.min_connection_timeout = timeout_s
        self._make = lambda: deepl.Translator(auth_key, server_url=server_url)
        self._timeout_s = timeout_s
        self._local = threading.local()

    def send(self, texts: list[str], source: str, target: str) -> list[str | None]:
        import deepl

        if not hasattr(self._local, "client"):
            self._local.client = self._make()
        try:
            results = self._local.client.translate_text(texts, source_lang=source, target_lang=target)
        except deepl.DeepLException as exc:
            raise self._classify(exc) from exc
        except (TypeError, ValueError, KeyError, AttributeError) as exc:  # e.g. billed_characters missing
            raise RequestFailed(f"unusable answer ({type(exc).__name__})", retryable=False) from exc
        if len(results) != len(texts):
            raise RequestFailed(f"unusable answer ({len(results)} translations for {len(texts)} texts)",
                                retryable=False)
        return [result.text for result in results]

    def _classify(self, exc: Exception) -> RequestFailed:
        status = getattr(exc, "http_status_code", None)
        if status is not None:
            return RequestFailed(f"HTTP {status}", retryable=status == 429 or status >= 500)
        if isinstance(exc.__cause__, requests.Timeout):
            return RequestFailed(f"timeout after {self._timeout_s:g} s", retryable=True)
        if isinstance(exc.__cause__, requests.ConnectionError):
            return RequestFailed("connection failed", retryable=True)
        return RequestFailed(type(exc).__name__, retryable=False)


def _deepl(env: Mapping[str, str], timeout_s: float) -> Backend:
    return _DeepLBackend(env["DEEPL_AUTH_KEY"], env.get("DEEPL_SERVER_URL") or None, timeout_s)


BACKENDS: dict[str, Callable[[Mapping[str, str], float], Backend]] = {
    "google": _google,
    "microsoft": _microsoft,
    "mymemory": _mymemory,
    "libre": _libre,
    "baidu": _baidu,
    "deepl": _deepl,
}
