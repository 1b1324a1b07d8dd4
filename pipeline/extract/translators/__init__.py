"""Machine-translation clients: one resilient wrapper (resilience.py: timeouts, retries, size limits, concurrency,
circuit breaker, counters) around deep-translator's backends and the official DeepL client (backends.py)."""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from pipeline.extract.translators.backends import BACKENDS
from pipeline.extract.translators.interface import (
    REQUIRED_ENV,
    TRANSLATOR_NAMES,
    ProviderSettings,
    TranslationResult,
    Translator,
    load_provider_settings,
)
from pipeline.extract.translators.resilience import ResilientTranslator

__all__ = ["REQUIRED_ENV", "TRANSLATOR_NAMES", "TranslationResult", "Translator", "make_translator"]


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
    if name not in BACKENDS:
        raise ValueError(f"unknown translator {name!r}; expected one of {', '.join(TRANSLATOR_NAMES)}")
    missing = [var for var in REQUIRED_ENV[name] if not env.get(var)]
    if missing:
        raise ValueError(f"--translator {name} needs the environment variable {missing[0]}")
    settings = settings or load_provider_settings(name)
    return ResilientTranslator(name, BACKENDS[name](env, settings.timeout_s), settings, sleep=sleep)
