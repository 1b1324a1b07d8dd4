"""Machine-translation clients: one resilient wrapper (timeouts, retries, size limits, concurrency, circuit
breaker, counters) around deep-translator's backends and the official DeepL client."""
from __future__ import annotations

import contextvars
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from types import ModuleType
from typing import Any, Protocol

import requests

from pipeline.config import config_file

log = logging.getLogger(__name__)

TRANSLATOR_NAMES = ("none", "google", "microsoft", "mymemory", "libre", "baidu", "deepl")

# What each provider needs from the environment, beyond what is optional (MICROSOFT_REGION,
# DEEPL_SERVER_URL).
REQUIRED_ENV = {
    "google": (),
    "mymemory": (),
    "microsoft": ("MICROSOFT_API_KEY",),
    "libre": ("LIBRETRANSLATE_URL", "LIBRE_API_KEY"),
    "baidu": ("BAIDU_APPID", "BAIDU_APPKEY"),
    "deepl": ("DEEPL_AUTH_KEY",),
}


@dataclass(frozen=True)
class TranslationResult:
    """One text's outcome; `target` None means it stays pending, with `error` as the reason."""

    source: str
    target: str | None
    provider: str
    error: str | None


class Translator(Protocol):
    name: str
    calls: int        # HTTP requests made, retries included
    chars_sent: int   # characters carried by those requests (what a provider may bill)
    failures: int     # requests that failed

    def translate_many(
        self, texts: Sequence[str], source_lang: str, target_lang: str
    ) -> list[TranslationResult]: ...


@dataclass(frozen=True)
class ProviderSettings:
    """One provider's section of config/translators.yaml, merged over its defaults."""

    max_chars: int
    languages: Mapping[str, str]
    timeout_s: float
    retries: int
    backoff_base_s: float
    backoff_max_s: float
    concurrency: int
    breaker_threshold: int
    sentence_ends: tuple[str, ...]
    source_languages: Mapping[str, str] = field(default_factory=dict)


def load_provider_settings(name: str) -> ProviderSettings:
    config = config_file("translators.yaml")
    merged = {**config["defaults"], **config["providers"][name]}
    return ProviderSettings(sentence_ends=tuple(config["sentence_ends"]), **merged)


class RequestFailed(Exception):
    """One request failed; `reason` is safe to show (status codes and type names, never keys or texts)."""

    def __init__(self, reason: str, retryable: bool):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


# ---------------------------------------------------------------- splitting long texts


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


def _has_words(text: str) -> bool:
    """Whether there is anything to translate: a letter or a digit."""
    return any(ch.isalnum() for ch in text)


def _batches(texts: list[str], max_chars: int, texts_per_request: int) -> list[list[str]]:
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


class _Backend(Protocol):
    texts_per_request: int

    def send(self, texts: list[str], source: str, target: str) -> list[str | None]:
        """One request; raises RequestFailed."""


class _CircuitBreaker:
    """Counts failed requests in a row; at `threshold` it opens, and stays open for the translator's life
    (one run): a provider that is down is not hammered, and the run finishes with texts pending."""

    def __init__(self, threshold: int):
        self._threshold = threshold
        self._streak = 0
        self._lock = threading.Lock()
        self.open_reason: str | None = None

    def record(self, failure: RequestFailed | None) -> bool:
        """Record one request's outcome; True when this failure opened the breaker."""
        with self._lock:
            if failure is None:
                self._streak = 0
                return False
            self._streak += 1
            if self.open_reason is None and self._streak >= self._threshold:
                self.open_reason = f"{self._streak} failed requests in a row, last: {failure.reason}"
                return True
            return False


class ResilientTranslator:
    """A provider behind per-request timeouts, retries with backoff, size limits, a bounded thread pool
    and a circuit breaker. Make one per run: counters and the breaker live as long as it does."""

    def __init__(
        self,
        name: str,
        backend: _Backend,
        settings: ProviderSettings,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.name = name
        self.calls = 0
        self.chars_sent = 0
        self.failures = 0
        self._backend = backend
        self._settings = settings
        self._sleep = sleep
        self._breaker = _CircuitBreaker(settings.breaker_threshold)
        self._lock = threading.Lock()

    def translate_many(
        self, texts: Sequence[str], source_lang: str, target_lang: str
    ) -> list[TranslationResult]:
        """Translate each distinct text once; results come back in the order of `texts`."""
        source, target = self._codes(source_lang, target_lang)
        limit, ends = self._settings.max_chars, self._settings.sentence_ends
        pieces = {text: split_for_request(text, limit, ends) for text in dict.fromkeys(texts)}
        to_send = dict.fromkeys(p.strip() for ps in pieces.values() for p in ps if _has_words(p))
        done, errors = self._translate_all(list(to_send), source, target)
        by_text = {text: self._result(text, ps, done, errors) for text, ps in pieces.items()}
        return [by_text[text] for text in texts]

    def _codes(self, source_lang: str, target_lang: str) -> tuple[str, str]:
        settings = self._settings
        source = settings.source_languages.get(source_lang) or settings.languages.get(source_lang)
        target = settings.languages.get(target_lang)
        missing = [lang for lang, code in ((source_lang, source), (target_lang, target)) if code is None]
        if missing:
            raise ValueError(f"config/translators.yaml gives {self.name} no language code for {missing[0]!r}")
        return source, target

    def _translate_all(
        self, texts: list[str], source: str, target: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Send every text, batched and in parallel; returns (translation by text, error by text)."""
        done: dict[str, str] = {}
        errors: dict[str, str] = {}
        batches = _batches(texts, self._settings.max_chars, self._backend.texts_per_request)
        if not batches:
            return done, errors
        with ThreadPoolExecutor(min(self._settings.concurrency, len(batches))) as pool:
            outcomes = pool.map(lambda batch: self._send_with_retries(batch, source, target), batches)
            for batch, outcome in zip(batches, outcomes, strict=True):
                if isinstance(outcome, str):
                    errors.update(dict.fromkeys(batch, outcome))
                else:
                    done.update(zip(batch, outcome, strict=True))
        return done, errors

    def _send_with_retries(self, batch: list[str], source: str, target: str) -> list[str] | str:
        """The translations of one batch, or the error that every text of it gets."""
        retries, attempt = self._settings.retries, 0
        while True:
            if self._breaker.open_reason is not None:
                return f"provider unavailable: {self.name}: {self._breaker.open_reason}"
            try:
                return self._attempt(batch, source, target)
            except RequestFailed as failure:
                if not failure.retryable or attempt == retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    return f"{self.name}: {failure.reason}{tries}"
                delay = self._backoff(attempt)
                log.warning("%s: %s; retry %d of %d in %.1f s", self.name, failure.reason,
                            attempt + 1, retries, delay)
            self._sleep(delay)
            attempt += 1

    def _attempt(self, batch: list[str], source: str, target: str) -> list[str]:
        with self._lock:
            self.calls += 1
            self.chars_sent += sum(map(len, batch))
        try:
            translations = self._backend.send(batch, source, target)
            if any(translation is None for translation in translations):
                raise RequestFailed("empty answer", retryable=False)
        except RequestFailed as failure:
            with self._lock:
                self.failures += 1
            if self._breaker.record(failure):
                log.error("%s is considered down for the rest of the run: %s",
                          self.name, self._breaker.open_reason)
            raise
        self._breaker.record(None)
        return translations

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: a random time in [d/2, d], d = base * 2^attempt."""
        ceiling = min(self._settings.backoff_max_s, self._settings.backoff_base_s * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _result(
        self, text: str, pieces: list[str], done: dict[str, str], errors: dict[str, str]
    ) -> TranslationResult:
        parts = []
        for piece in pieces:
            core = piece.strip()
            if core in errors:
                return TranslationResult(text, None, self.name, errors[core])
            lead, trail = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
            parts.append(lead + done[core] + trail if _has_words(core) else piece)
        return TranslationResult(text, "".join(parts), self.name, None)


# ---------------------------------------------------------------- deep-translator backends
#
# deep-translator calls the module-level requests.get/post without a timeout (Google would wait forever)
# and folds HTTP statuses into its own exceptions (LibreTranslate's 429 arrives as ServerException,
# Microsoft swallows a timeout and fails later with AttributeError). Rather than running each call in a
# worker thread with a deadline -- which leaves the stuck thread and its socket behind, and would fill the
# pool on a hanging provider -- each backend module's `requests` is replaced by a stand-in that, while one
# of our calls runs, adds the timeout (the socket is closed when it expires) and records what happened on
# the wire, so failures are classified from the HTTP status, not from deep-translator's exception type.
# Outside our calls the stand-in passes everything through unchanged. `timeout` bounds the connection
# and each wait for bytes, so a server that keeps trickling bytes could take longer.


@dataclass
class _HttpExchange:
    """Policy for, and record of, the HTTP requests of one deep-translator call."""

    timeout_s: float
    params_in_body: bool
    status: int | None = None
    transport_error: requests.RequestException | None = None

    def send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        if self.params_in_body and method == "POST" and not kwargs.get("data") and not kwargs.get("json"):
            kwargs["data"] = kwargs.pop("params", None)
        try:
            response = requests.request(method, url, **kwargs)
        except requests.RequestException as exc:
            self.transport_error = exc
            raise
        self.status = response.status_code
        return response


_EXCHANGE: contextvars.ContextVar[_HttpExchange | None] = contextvars.ContextVar(
    "deep_translator_exchange", default=None
)


class _RequestsWithPolicy:
    """Stands in for the `requests` module inside one deep-translator backend module."""

    def __init__(self, real: ModuleType):
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        exchange = _EXCHANGE.get()
        if exchange is None:
            return self._real.request(method, url, **kwargs)
        return exchange.send(method, url, kwargs)


def _install_policy(module: ModuleType) -> None:
    if not isinstance(module.requests, _RequestsWithPolicy):
        module.requests = _RequestsWithPolicy(module.requests)


def _classify_http(exc: Exception, exchange: _HttpExchange) -> RequestFailed:
    error, status = exchange.transport_error, exchange.status
    if isinstance(error, requests.Timeout):
        return RequestFailed(f"timeout after {exchange.timeout_s:g} s", retryable=True)
    if isinstance(error, requests.ConnectionError):
        return RequestFailed("connection failed", retryable=True)
    if error is not None:
        return RequestFailed(f"request failed ({type(error).__name__})", retryable=False)
    if status is None:
        return RequestFailed(f"request not sent ({type(exc).__name__})", retryable=False)
    if status == 429 or status >= 500:
        return RequestFailed(f"HTTP {status}", retryable=True)
    if status >= 400:
        return RequestFailed(f"HTTP {status}", retryable=False)
    return RequestFailed(f"unusable answer ({type(exc).__name__})", retryable=False)


class _DeepTranslatorBackend:
    """A deep-translator class, one text per request. Its instances keep per-request state (Google's URL
    parameters), so each worker thread gets its own, per language pair."""

    texts_per_request = 1

    def __init__(self, module: ModuleType, make: Callable[[str, str], Any], timeout_s: float,
                 params_in_body: bool = False):
        _install_policy(module)
        self._make = make
        self._timeout_s = timeout_s
        self._params_in_body = params_in_body
        self._local = threading.local()

    def send(self, texts: list[str], source: str, target: str) -> list[str | None]:
        (text,) = texts
        exchange = _HttpExchange(self._timeout_s, self._params_in_body)
        token = _EXCHANGE.set(exchange)
        try:
            return [self._engine(source, target).translate(text)]
        except Exception as exc:  # deep-translator raises anything from KeyError to its own types
            raise _classify_http(exc, exchange) from exc
        finally:
            _EXCHANGE.reset(token)

    def _engine(self, source: str, target: str) -> Any:
        if not hasattr(self._local, "engines"):
            self._local.engines = {}
        engines = self._local.engines
        if (source, target) not in engines:
            engines[source, target] = self._make(source, target)
        return engines[source, target]


def _google(env: Mapping[str, str], timeout_s: float) -> _Backend:
    from deep_translator import GoogleTranslator, google

    return _DeepTranslatorBackend(google, lambda s, t: GoogleTranslator(source=s, target=t), timeout_s)


def _mymemory(env: Mapping[str, str], timeout_s: float) -> _Backend:
    from deep_translator import MyMemoryTranslator, mymemory

    return _DeepTranslatorBackend(mymemory, lambda s, t: MyMemoryTranslator(source=s, target=t), timeout_s)


def _microsoft(env: Mapping[str, str], timeout_s: float) -> _Backend:
    from deep_translator import MicrosoftTranslator, microsoft

    key, region = env["MICROSOFT_API_KEY"], env.get("MICROSOFT_REGION") or None
    return _DeepTranslatorBackend(
        microsoft, lambda s, t: MicrosoftTranslator(source=s, target=t, api_key=key, region=region), timeout_s
    )


def _libre(env: Mapping[str, str], timeout_s: float) -> _Backend:
    """deep-translator puts q and api_key in the URL; they go in the form body instead (LibreTranslate reads
    both), which keeps the key out of URLs that urllib3 logs and long texts out of URL length limits."""
    from deep_translator import LibreTranslator, libre

    url, key = env["LIBRETRANSLATE_URL"].rstrip("/") + "/", env["LIBRE_API_KEY"]
    return _DeepTranslatorBackend(
        libre, lambda s, t: LibreTranslator(source=s, target=t, api_key=key, custom_url=url), timeout_s,
        params_in_body=True,
    )


def _baidu(env: Mapping[str, str], timeout_s: float) -> _Backend:
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


def _deepl(env: Mapping[str, str], timeout_s: float) -> _Backend:
    return _DeepLBackend(env["DEEPL_AUTH_KEY"], env.get("DEEPL_SERVER_URL") or None, timeout_s)


_BACKENDS: dict[str, Callable[[Mapping[str, str], float], _Backend]] = {
    "google": _google,
    "microsoft": _microsoft,
    "mymemory": _mymemory,
    "libre": _libre,
    "baidu": _baidu,
    "deepl": _deepl,
}


def make_translator(
    name: str,
    env: Mapping[str, str] = os.environ,
    *,
    settings: ProviderSettings | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Translator | None:
    """The translator for `--translator NAME` ("none": None, translation memory only). Endpoints and keys
    come from `env`; a missing one is a ValueError naming the variable. Makes no network request."""
    if name == "none":
        return None
    if name not in _BACKENDS:
        raise ValueError(f"unknown translator {name!r}; expected one of {', '.join(TRANSLATOR_NAMES)}")
    missing = [var for var in REQUIRED_ENV[name] if not env.get(var)]
    if missing:
        raise ValueError(f"--translator {name} needs the environment variable {missing[0]}")
    settings = settings or load_provider_settings(name)
    return ResilientTranslator(name, _BACKENDS[name](env, settings.timeout_s), settings, sleep=sleep)
