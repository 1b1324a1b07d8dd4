"""What a machine translator is to the pipeline: its names, what each needs from the environment, its result,
its settings (config/translators.yaml), its backends' protocol and how one request fails."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.config import config_file

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


class Backend(Protocol):
    """One provider's client: one request carries at most `texts_per_request` texts."""

    texts_per_request: int

    def send(self, texts: list[str], source: str, target: str) -> list[str | None]:
        """One request; raises RequestFailed."""
