import pytest

from pipeline.extract.tm_import import TMFileError, read_memory_file
from pipeline.transform.tm_format import Entry


def _read(fixtures_dir, name):
    return read_memory_file(str(fixtures_dir / "tm" / name))


def test_pending_translation_csv_imports_as_it_is(fixtures_dir):
    entries, skipped = _read(fixtures_dir, "pending-translation-bom-neutralised.csv")
    provider = "import:pending-translation-bom-neutralised.csv"
    assert entries == [
        Entry("Savon de Marseille 72 % huile d’olive – cube 100 g", "马赛皂 72% 橄榄油 – 100 克方块皂",
              "fr", "zh-CN", "approved", provider),
        Entry("Cube cuit au chaudron selon le procédé marseillais,\n72 % d’huile d’olive.",
              "按马赛传统工艺在大锅中熬制，\n含 72% 橄榄油。", "fr", "zh-CN", "approved", provider),
        Entry("+ 1 savon offert pour 3 achetés", "买三送一香皂", "fr", "zh-CN", "approved", provider),
        Entry("-20 % sur le coffret découverte", "-20% 探索礼盒优惠", "fr", "zh-CN", "approved", provider),
    ]
    assert skipped == 2     # an empty target and a target of spaces


def test_csv_delimiter_from_header_and_language_columns_normalised(fixtures_dir):
    entries, skipped = _read(fixtures_dir, "semicolon-language-columns.csv")
    assert [(e.source, e.source_lang, e.target_lang) for e in entries] == [
        ("Miel de lavande IGP de Provence", "fr", "zh-CN"),     # empty cells: the defaults
        ("Lavender honey", "en", "zh-CN"),
        ("Nougat noir", "fr", "zh-CN"),
    ]
    assert skipped == 0


def test_tmx_inline_markup_several_targets_and_language_codes(fixtures_dir):
    entries, skipped = _read(fixtures_dir, "tmx-inline-markup-several-targets.tmx")
    soap = "Savon extra-doux au lait d’ânesse"     # <bpt>/<ept>/<ph> hold markup: left out; <hi> is text
    provider = "import:tmx-inline-markup-several-targets.tmx"
    assert entries == [
        Entry(soap, "特别温和驴奶皂", "fr", "zh-CN", "approved", provider),
        Entry(soap, "Extra-mild donkey milk soap", "fr", "en", "approved", provider),
        Entry("Miel de lavande", "薰衣草蜂蜜", "fr", "zh-CN", "approved", provider),
        Entry("Miel de lavande", "薰衣草蜂蜜", "fr", "zh-TW", "approved", provider),
    ]
    assert skipped == 2     # a target of spaces, and no target at all


@pytest.mark.parametrize(("name", "message"), [
    ("tmx-doctype-entity-expansion.tmx", "tmx-doctype-entity-expansion.tmx: a DOCTYPE is not allowed"),
    ("tmx-unclosed-seg.tmx", "tmx-unclosed-seg.tmx line 6: not well-formed XML (mismatched tag)"),
    ("tmx-tu-without-source-language.tmx",
     "tmx-tu-without-source-language.tmx <tu> #2: no text in the source language fr"),
    ("cp1252-not-utf8.csv", "cp1252-not-utf8.csv: not UTF-8 text"),
    ("target-without-source.csv", "target-without-source.csv row 3: a target without a source"),
    ("header-without-target.csv", "header-without-target.csv line 1: the header lacks target"),
])
def test_unreadable_files_raise_one_line_naming_file_and_place(fixtures_dir, name, message):
    with pytest.raises(TMFileError) as error:
        _read(fixtures_dir, name)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_exported_status_column_is_honoured_and_checked(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("source,target,status\nSavon,香皂,machine\nMiel,蜂蜜,\n", encoding="utf-8")
    entries, _ = read_memory_file(str(path))
    assert [e.status for e in entries] == ["machine", "approved"]
    path.write_text("source,target,status\nSavon,香皂,relu\n", encoding="utf-8")
    with pytest.raises(TMFileError, match="export.csv row 2: status must be one of"):
        read_memory_file(str(path))


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(TMFileError, match="expected .tmx or .csv"):
        read_memory_file(str(tmp_path / "memory.xlsx"))
    with pytest.raises(TMFileError, match="absent.tmx: cannot be read"):
        read_memory_file(str(tmp_path / "absent.tmx"))
