"""The resilient wrapper around every provider: timeouts, retries with backoff, size limits, concurrency, a
circuit breaker, and the counters a run reports."""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from pipeline.extract.translators.interface import Backend, ProviderSettings, RequestFailed, TranslationResult
from pipeline.extract.translators.text_batches import has_words, request_batches, split_for_request

log = logging.getLogger("pipeline.extract.translators")

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
        backend: Backend,
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
        to_send = dict.fromkeys(p.strip() for ps in pieces.values() for p in ps if has_words(p))
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
        batches = request_batches(texts, self._settings.max_chars, self._backend.texts_per_request)
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
            parts.append(lead + done[core] + trail if has_words(core) else piece)
        return TranslationResult(text, "".join(parts), self.name, None)
