"""Tests for pipeline/extract/translators/ against loopback LibreTranslate and DeepL servers."""
from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from pipeline.extract.translators import Translator, load_provider_settings, make_translator
from pipeline.extract.translators.text_batches import split_for_request
from tests.fakes.translation_servers import (
    INTERNAL_ERROR,
    MALFORMED_JSON,
    TOO_MANY_REQUESTS,
    UNAVAILABLE,
    DeepLServer,
    LibreTranslateServer,
    Reply,
    hang,
)

LIBRE_KEY = "libre-key-7f3a91"
DEEPL_KEY = "deepl-key-5c20e8:fx"


@pytest.fixture
def libre_server() -> Iterator[LibreTranslateServer]:
    with LibreTranslateServer(credential=LIBRE_KEY) as server:
        yield server


@pytest.fixture
def deepl_server() -> Iterator[DeepLServer]:
    with DeepLServer(credential=DEEPL_KEY) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff delays the translator asked for; nothing really sleeps."""
    return []


def _libre(server: LibreTranslateServer, sleeps: list[float], key: str = LIBRE_KEY,
           **settings: object) -> Translator:
    env = {"LIBRETRANSLATE_URL": server.url, "LIBRE_API_KEY": key}
    tuned = dataclasses.replace(load_provider_settings("libre"), **settings)
    return make_translator("libre", env, settings=tuned, sleep=sleeps.append)


def _deepl(server: DeepLServer, sleeps: list[float], key: str = DEEPL_KEY,
           **settings: object) -> Translator:
    env = {"DEEPL_AUTH_KEY": key, "DEEPL_SERVER_URL": server.url}
    tuned = dataclasses.replace(load_provider_settings("deepl"), **settings)
    return make_translator("deepl", env, settings=tuned, sleep=sleeps.append)


# ------------------------------------------------------------------ LibreTranslate


def test_libre_sends_each_distinct_text_once_and_keeps_the_order(libre_server, sleeps):
    translator = _libre(libre_server, sleeps)
    texts = ["Savon à la lavande", "Huile d'olive", "Savon à la lavande", "—", ""]

    results = translator.translate_many(texts, "fr", "zh-CN")

    assert [r.target for r in results] == [
        "SAVON À LA LAVANDE", "HUILE D'OLIVE", "SAVON À LA LAVANDE", "—", ""]
    assert {r.provider for r in results} == {"libre"} and {r.error for r in results} == {None}
    assert Counter(libre_server.texts) == {"Savon à la lavande": 1, "Huile d'olive": 1}
    request = libre_server.log[0]
    assert request.fields == {"source": "fr", "target": "zh", "format": "text"}
    assert request.credential == LIBRE_KEY and not request.query_fields  # all in the body, none in the URL
    assert (translator.calls, translator.chars_sent, translator.failures) == (2, 31, 0)


def test_libre_429_is_retried_after_a_backoff(libre_server, sleeps):
    libre_server.script(TOO_MANY_REQUESTS)
    translator = _libre(libre_server, sleeps)

    [result] = translator.translate_many(["Nougat de Montélimar"], "fr", "zh-CN")

    assert result.target == "NOUGAT DE MONTÉLIMAR" and result.error is None
    assert libre_server.texts == ["Nougat de Montélimar"] * 2
    assert len(sleeps) == 1 and (translator.calls, translator.failures) == (2, 1)


def test_libre_503_twice_then_success_backs_off_exponentially(libre_server, sleeps):
    libre_server.script(UNAVAILABLE, UNAVAILABLE)
    translator = _libre(libre_server, sleeps, backoff_base_s=2.0)

    [result] = translator.translate_many(["Calisson d'Aix"], "fr", "zh-CN")

    assert result.target == "CALISSON D'AIX"
    assert len(libre_server.log) == 3
    first, second = sleeps
    assert 1.0 <= first <= 2.0 <= second <= 4.0  # base·2ⁿ with jitter in its upper half


def test_libre_hanging_answer_times_out_and_is_retried(libre_server, sleeps):
    libre_server.script(hang(30.0))
    translator = _libre(libre_server, sleeps, timeout_s=1.5)     # room for the retry's answer on a busy machine

    started = time.monotonic()
    [result] = translator.translate_many(["Miel de lavande"], "fr", "zh-CN")

    assert result.target == "MIEL DE LAVANDE"
    assert len(libre_server.log) == 2 and time.monotonic() - started < 10.0    # not waiting out the hang


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (MALFORMED_JSON, "libre: unusable answer (JSONDecodeError)"),
        (Reply(200, b'{"detectedLanguage": {"language": "fr"}}'), "libre: unusable answer (KeyError)"),
        (Reply(200, b'{"translatedText": null}'), "libre: empty answer"),
        (Reply(400, b'{"error": "Invalid request"}'), "libre: HTTP 400"),
    ],
    ids=["malformed-json", "missing-field", "null-translation", "http-400"],
)
def test_libre_bad_answer_fails_that_text_only_without_retry(libre_server, sleeps, reply, error):
    libre_server.script(reply)
    translator = _libre(libre_server, sleeps, concurrency=1)

    first, second = translator.translate_many(["Tapenade noire", "Herbes de Provence"], "fr", "zh-CN")

    assert (first.target, first.error) == (None, error)
    assert (second.target, second.error) == ("HERBES DE PROVENCE", None)
    assert libre_server.texts == ["Tapenade noire", "Herbes de Provence"] and sleeps == []


def test_circuit_breaker_leaves_the_rest_pending_quickly(libre_server, sleeps):
    libre_server.script(*[hang(5.0)] * 200)
    translator = _libre(libre_server, sleeps, timeout_s=0.2, retries=2, breaker_threshold=3, concurrency=2)
    texts = [f"Savon numéro {n}" for n in range(40)]

    started = time.monotonic()
    results = translator.translate_many(texts, "fr", "zh-CN")
    elapsed = time.monotonic() - started

    assert elapsed < 2.0  # without the breaker: 40 texts × 3 attempts × 0.2 s / 2 workers = 12 s
    assert all(r.target is None for r in results)
    unavailable = [r for r in results if r.error.startswith("provider unavailable: libre: ")]
    assert len(unavailable) >= 38 and "timeout after 0.2 s" in unavailable[-1].error
    assert len(libre_server.log) <= 3 + 2 - 1  # threshold, plus what was already in flight


def test_long_description_is_split_under_the_limit_and_rejoined_in_order(libre_server, sleeps):
    sentences = [
        f"Le savon n°{n} est cuit au chaudron selon la méthode marseillaise, à l'huile d'olive vierge."
        for n in range(200)
    ]
    paragraphs = [" ".join(sentences[i:i + 10]) for i in range(0, 200, 10)]
    description = "\n".join(paragraphs)[:12_000]
    translator = _libre(libre_server, sleeps)
    limit = load_provider_settings("libre").max_chars

    [result] = translator.translate_many([description], "fr", "zh-CN")

    assert len(description) == 12_000
    assert result.target == description.upper()
    sent = libre_server.texts
    assert len(sent) >= 3 and all(len(text) <= limit for text in sent)
    assert all(text.endswith(".") or description.endswith(text) for text in sent)  # cut after sentence ends


def test_split_for_request_falls_back_to_words_then_characters():
    ends = load_provider_settings("libre").sentence_ends
    one_long_sentence = "lavande " * 30 + "x" * 50

    pieces = split_for_request(one_long_sentence, 40, ends)

    assert "".join(pieces) == one_long_sentence
    assert all(len(piece) <= 40 for piece in pieces)
    assert all(piece.endswith(" ") for piece in pieces[:-3])  # whole words until the 50-letter one


def test_concurrency_limit_is_respected(sleeps):
    with LibreTranslateServer(credential=LIBRE_KEY, default_delay_s=0.3) as server:
        translator = _libre(server, sleeps, concurrency=3)

        results = translator.translate_many([f"Santon {n}" for n in range(9)], "fr", "zh-CN")

    assert all(r.error is None for r in results)
    assert 1 < server.max_in_flight <= 3        # side by side, never more than the limit (a busy machine may
    #                                             start the third request only once the first is answered)


# ------------------------------------------------------------------ DeepL through the official client


def test_deepl_happy_path_batches_texts(deepl_server, sleeps):
    translator = _deepl(deepl_server, sleeps)

    results = translator.translate_many(["Pastis", "Fougasse aux olives", "Pastis"], "fr", "zh-CN")

    assert [r.target for r in results] == ["PASTIS", "FOUGASSE AUX OLIVES", "PASTIS"]
    [request] = deepl_server.log
    assert request.texts == ["Pastis", "Fougasse aux olives"]
    assert request.fields["source_lang"] == "FR" and request.fields["target_lang"] == "ZH-HANS"
    assert request.credential == DEEPL_KEY
    assert (translator.calls, translator.chars_sent) == (1, 25)


def test_deepl_429_is_retried_by_the_wrapper_not_the_client(deepl_server, sleeps):
    deepl_server.script(TOO_MANY_REQUESTS)
    translator = _deepl(deepl_server, sleeps)

    [result] = translator.translate_many(["Tapenade"], "fr", "zh-CN")

    assert result.target == "TAPENADE"
    assert len(deepl_server.log) == 2 and len(sleeps) == 1


@pytest.mark.parametrize("fault", [INTERNAL_ERROR, UNAVAILABLE], ids=["500", "503"])
def test_deepl_5xx_is_retried(deepl_server, sleeps, fault):
    deepl_server.script(fault, fault)
    translator = _deepl(deepl_server, sleeps)

    [result] = translator.translate_many(["Navette de Marseille"], "fr", "zh-CN")

    assert result.target == "NAVETTE DE MARSEILLE"
    assert len(deepl_server.log) == 3 and len(sleeps) == 2


def test_deepl_answer_without_billed_characters_is_an_error_not_a_retry(deepl_server, sleeps):
    deepl_server.script(Reply(200, b'{"translations": [{"text": "X", "detected_source_language": "FR"}]}'))
    translator = _deepl(deepl_server, sleeps)

    [result] = translator.translate_many(["Anchoïade"], "fr", "zh-CN")

    assert (result.target, result.error) == (None, "deepl: unusable answer (TypeError)")
    assert len(deepl_server.log) == 1


# ------------------------------------------------------------------ secrets and construction


@pytest.mark.parametrize("provider", ["libre", "deepl"])
def test_keys_stay_out_of_logs_and_errors(libre_server, deepl_server, sleeps, caplog, provider):
    wrong_key = "WRONG-secret-0d9be41c"
    server, make = (libre_server, _libre) if provider == "libre" else (deepl_server, _deepl)
    server.script(UNAVAILABLE)  # a retry first, so that warnings are logged too
    caplog.set_level(logging.DEBUG)  # urllib3 and deepl log URLs and request details at DEBUG

    [result] = make(server, sleeps, key=wrong_key).translate_many(["Olives cassées"], "fr", "zh-CN")

    assert (result.target, result.error) == (None, f"{provider}: HTTP 403 after 2 attempts")
    assert [request.credential for request in server.log] == [wrong_key] * 2  # the key was used...
    assert "HTTP 503" in caplog.text
    assert wrong_key not in caplog.text and wrong_key not in repr(result)  # ...and never shown


def test_missing_key_is_named_without_any_value():
    env = {"LIBRETRANSLATE_URL": "http://127.0.0.1:9", "DEEPL_AUTH_KEY": "unrelated-secret"}

    with pytest.raises(ValueError, match="^--translator libre needs the environment variable LIBRE_API_KEY$"):
        make_translator("libre", env)
    with pytest.raises(ValueError, match="BAIDU_APPKEY"):
        make_translator("baidu", {"BAIDU_APPID": "20240101"})
    with pytest.raises(ValueError, match="unknown translator 'yandex'"):
        make_translator("yandex", env)


@pytest.mark.parametrize("name", ["google", "mymemory", "microsoft", "baidu"])
def test_other_providers_are_built_without_network(name):
    env = {"MICROSOFT_API_KEY": "k", "BAIDU_APPID": "a", "BAIDU_APPKEY": "k"}

    translator = make_translator(name, env)

    assert translator.name == name and translator.calls == 0
    assert make_translator("none", env) is None


def test_unconfigured_language_is_a_configuration_error(libre_server, sleeps):
    with pytest.raises(ValueError, match="no language code for 'tlh'"):
        _libre(libre_server, sleeps).translate_many(["Savon"], "fr", "tlh")
