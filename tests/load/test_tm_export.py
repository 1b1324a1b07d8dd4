import os

import pytest

from pipeline.extract.tm_import import TMFileError, read_memory_file
from pipeline.load.tm_export import write_memory_file
from pipeline.transform.tm_format import Entry

AWKWARD = [
    Entry("Savon & <lavande> \"bio\"\nlot de 3", "薰衣草皂 & <有机>\r\n三块装", "fr", "zh-CN", "approved",
          "vendor"),
    Entry("-20 % sur le coffret", "=礼盒 8 折", "fr", "zh-CN", "machine", "deepl"),
    Entry("Miel de lavande", "Lavender honey", "fr", "en", "machine", "libre"),
    Entry("Huile d'olive 'vierge extra'", "特级初榨橄榄油", "fr", "zh-CN", "approved", "import:old.tmx"),
]


def _sorted(entries):
    return sorted(entries, key=lambda e: (e.source_lang, e.target_lang, e.source))


@pytest.mark.parametrize("suffix", [".tmx", ".csv"])
def test_round_trip_keeps_text_languages_and_status(tmp_path, suffix):
    path = str(tmp_path / f"memory{suffix}")
    assert write_memory_file(AWKWARD, path) == len(AWKWARD)
    entries, skipped = read_memory_file(path)
    assert skipped == 0
    provider = f"import:memory{suffix}"
    assert entries == [
        Entry(e.source, e.target, e.source_lang, e.target_lang, e.status, provider) for e in _sorted(AWKWARD)]


def test_tmx_is_deterministic_escaped_utf8(tmp_path):
    first, second = tmp_path / "a.tmx", tmp_path / "b.tmx"
    write_memory_file(AWKWARD, str(first))
    write_memory_file(list(reversed(AWKWARD)), str(second))
    assert first.read_bytes() == second.read_bytes()
    text = first.read_bytes().decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">')
    assert "<seg>Savon &amp; &lt;lavande&gt; \"bio\"\nlot de 3</seg>" in text
    assert "&#13;" in text
    order = [text.index(source) for source in ("Miel de lavande", "-20 %", "Huile d'olive", "Savon &amp;")]
    assert order == sorted(order)       # by source_lang, target_lang (en < zh-CN), source


def test_csv_is_excel_safe(tmp_path):
    path = tmp_path / "memory.csv"
    write_memory_file(AWKWARD, str(path))
    raw = path.read_bytes()
    assert raw.startswith("\ufeffsource_lang,target_lang,source,target,status,provider\r\n".encode())
    assert "'-20 % sur le coffret,'=礼盒 8 折" in raw.decode("utf-8")


def test_replaces_atomically_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "exports" / "memory.tmx"
    write_memory_file(AWKWARD, str(path))
    write_memory_file(AWKWARD[:1], str(path))
    assert os.listdir(path.parent) == ["memory.tmx"]
    assert len(read_memory_file(str(path))[0]) == 1


def test_refuses_unknown_extension_and_characters_xml_cannot_hold(tmp_path):
    with pytest.raises(TMFileError, match="use .tmx or .csv"):
        write_memory_file(AWKWARD, str(tmp_path / "memory.json"))
    with pytest.raises(TMFileError, match="U\\+000B"):
        write_memory_file([Entry("Savon\x0bdoux", "香皂")], str(tmp_path / "memory.tmx"))
    assert not (tmp_path / "memory.tmx").exists()


def test_object_store_url_round_trip():
    url = "memory://eprovence-tests/exports/memory.csv"
    write_memory_file(AWKWARD[:2], url)
    assert [e.source for e in read_memory_file(url)[0]] == ["-20 % sur le coffret", AWKWARD[0].source]
