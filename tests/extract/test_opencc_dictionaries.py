"""pipeline/extract/opencc_dictionaries.py: the converters and trigger letters read from the opencc package."""
import unicodedata

import pytest

from pipeline.extract import opencc_dictionaries
from pipeline.extract.opencc_dictionaries import converter
from pipeline.transform.chinese import SUPPORTED_CONFIGS


@pytest.mark.parametrize("config", SUPPORTED_CONFIGS)
def test_every_changing_dictionary_key_holds_a_chinese_trigger_letter(config: str):
    triggers = converter(config).triggers
    assert all(not triggers.isdisjoint(key) for key, _ in opencc_dictionaries._changing_entries(config))
    assert all(unicodedata.name(char).startswith("CJK") for char in triggers)


def test_each_config_is_loaded_once_per_process():
    assert converter("t2s") is converter("t2s") and converter("t2s").config == "t2s"
