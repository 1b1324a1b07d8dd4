"""The localise step against a LibreTranslate-speaking server on loopback and a real translation memory."""
import pandas as pd
import pytest

from pipeline.extract.translators import make_translator
from pipeline.load.state import StateStore
from pipeline.load.translation_memory import TranslationMemory
from pipeline.localize import NO_TRANSLATOR, localize
from pipeline.transform.tm_format import Entry
from tests.fakes.translation_servers import TOO_MANY_REQUESTS, UNAVAILABLE, LibreTranslateServer, fake_chinese


def _rows():
    return pd.DataFrame({
        "vendor_id": ["savonnerie"] * 3 + ["lavande"], "sku": ["S1", "S2", "S3", "L1"],
        "brand": ["Savonnerie Marius", "Savonnerie Marius", "Savonnerie Marius", "Lavande"],
        "source_lang": ["fr"] * 4, "opencc_config": ["t2s", "t2s", "t2s", "tw2sp"],
        "title": ["Savon de Marseille Savonnerie Marius", "Savon au miel", "Savon au miel", "Huile essentielle"],
        "description": ["Fait main en Provence.\nSéché six semaines.", "Fait main en Provence.", pd.NA, pd.NA],
        "ingredients": [pd.NA] * 4,
        "title_zh": [pd.NA, pd.NA, pd.NA, "薰衣草精油"], "description_zh": [pd.NA] * 4})


@pytest.fixture
def memory(tmp_path):
    return TranslationMemory(StateStore.open(str(tmp_path / "state.db")).engine)


def _libre(server):
    env = {"LIBRETRANSLATE_URL": server.url, "LIBRE_API_KEY": "test-key"}
    return make_translator("libre", env, sleep=lambda _s: None)


def test_without_translator_rows_wait_and_the_pending_file_lists_each_segment_once(memory):
    result = localize(_rows(), memory, None)
    pending = result.frame["pending_reason"]
    assert pending.iloc[:3].str.endswith(NO_TRANSLATOR).all() and pd.isna(pending.iloc[3])
    assert sorted(result.pending["source"]) == ["Fait main en Provence.", "Savon au miel",
                                                "Savon de Marseille Savonnerie Marius", "Séché six semaines."]
    assert result.pending.set_index("source").loc["Savon au miel", "skus"] == "savonnerie/S2 savonnerie/S3"
    assert result.stats["mt_calls"] == 0 and result.stats["segments"] == 4


def test_each_distinct_segment_is_sent_once_and_a_rerun_sends_nothing(memory):
    with LibreTranslateServer(credential="test-key", translate=fake_chinese) as server:
        first = localize(_rows(), memory, _libre(server))
        sent = list(server.texts)
        second = localize(_rows(), memory, _libre(server))
        assert server.texts == sent
    assert len(sent) == len(set(sent)) == 4
    assert first.frame["pending_reason"].isna().all()
    assert first.frame.loc[0, "description_zh"].count("\n") == 1
    assert "马赛皂" in first.frame.loc[0, "title_zh"] and "Savonnerie Marius" in first.frame.loc[0, "title_zh"]
    assert not any("Marseille" in text for text in sent)          # glossary terms never reach the engine
    assert second.stats["tm_hits"] == 4 and second.stats["mt_calls"] == 0
    pd.testing.assert_frame_equal(first.frame, second.frame)


def test_429s_are_survived(memory):
    with LibreTranslateServer(credential="test-key", translate=fake_chinese) as server:
        server.script(TOO_MANY_REQUESTS, TOO_MANY_REQUESTS)
        result = localize(_rows(), memory, _libre(server))
    assert result.frame["pending_reason"].isna().all()


def test_a_provider_that_is_down_leaves_rows_pending_and_the_run_goes_on(memory):
    with LibreTranslateServer(credential="test-key", translate=fake_chinese) as server:
        server.script(*[UNAVAILABLE] * 40)
        result = localize(_rows(), memory, _libre(server))
    assert result.frame["pending_reason"].iloc[:3].str.contains("unavailable|503").all()
    assert pd.isna(result.frame["pending_reason"].iloc[3])
    assert len(result.pending) == 4


def test_approved_memory_beats_machine_and_untranslated_output_is_refused(memory):
    memory.store([Entry("Savon au miel", "蜂蜜皂", status="approved", provider="import:review.csv")])
    with LibreTranslateServer(credential="test-key", translate=lambda text: text) as server:
        result = localize(_rows(), memory, _libre(server))
    assert result.frame.loc[2, "title_zh"] == "蜂蜜皂"
    assert "untranslated" in result.frame.loc[0, "pending_reason"]
    assert "Savon au miel" not in server.texts
