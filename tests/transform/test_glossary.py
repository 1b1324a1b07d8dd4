import pytest

from pipeline.config import config_file
from pipeline.transform.glossary import Span, apply_fixed, load_glossary, protect, restore

CONFIG = {
    "keep": ["AOP", "La Maison du Savon de Marseille"],
    "fixed": {"Savon de Marseille": "马赛皂", "Marseille": "马赛", "Provence": "普罗旺斯",
              "calissons d'Aix": "艾克斯杏仁糖", "nougat de Montélimar": "蒙特利马尔牛轧糖"},
}


@pytest.fixture
def glossary():
    return load_glossary(CONFIG, extra_keep=["Savonnerie du Vieux Lavoir", None, "  "])


def test_protect_longest_term_first_case_insensitive(glossary):
    text, spans = protect("SAVON DE MARSEILLE de la Savonnerie du vieux lavoir, Marseille", glossary)
    assert text == "gt1@eprovence.invalid de la gt2@eprovence.invalid, gt3@eprovence.invalid"
    brand = "Savonnerie du vieux lavoir"        # kept as the text writes it
    assert spans == [Span("gt1@eprovence.invalid", "SAVON DE MARSEILLE", "马赛皂"),
                     Span("gt2@eprovence.invalid", brand, brand),
                     Span("gt3@eprovence.invalid", "Marseille", "马赛")]


def test_a_longer_kept_brand_wins_over_a_fixed_term_inside_it(glossary):
    _, spans = protect("Cube de La Maison du Savon de Marseille", glossary)
    assert [(s.source, s.rendering) for s in spans] == [("La Maison du Savon de Marseille",) * 2]


def test_letters_re_folds_but_casefold_does_not():
    glossary = load_glossary({"keep": ["ipek"]})
    assert protect("Savon İPEK", glossary)[1] == [Span("gt1@eprovence.invalid", "İPEK", "İPEK")]


def test_whole_words_accents_apostrophes_and_spacing(glossary):
    _, spans = protect("Nougat de Montelimar, Haute-Provence, savon marseillais, AOPs", glossary)
    assert spans == []      # accent missing, hyphenated name, longer words
    _, spans = protect("Calissons d’Aix  et\u00a0nougat  de Montélimar", glossary)
    assert [s.rendering for s in spans] == ["艾克斯杏仁糖", "蒙特利马尔牛轧糖"]


def test_restore_puts_renderings_back_as_engines_return_placeholders(glossary):
    _, spans = protect("Savon de Marseille AOP de Provence", glossary)
    # moved, capitalised, spaced and full-width by the engine; spaces between Chinese words are dropped
    translated = "来自 GT3 ＠ eprovence．invalid 的 Gt1@Eprovence.invalid，gt2@eprovence.invalid 认证"
    assert restore(translated, spans) == ("来自普罗旺斯的马赛皂，AOP 认证", None)


@pytest.mark.parametrize(("translated", "reason"), [
    ("马赛 皂 gt2@eprovence.invalid", "glossary term 'Savon de Marseille' was lost by machine translation"),
    ("gt1@eprovence.invalid gt1@eprovence.invalid gt2@eprovence.invalid",
     "glossary term 'Savon de Marseille' was duplicated by machine translation"),
    ("gt1@eprovence.invalid gt2@eprovence.invalid gt3@eprovence.invalid",
     "machine translation returned an unknown glossary placeholder (gt3@eprovence.invalid)"),
    ("gt1@eprovence.invalid gt2@eprovence.invalid gt@eprovence.invalid",
     "a glossary placeholder came back mangled by machine translation"),
])
def test_restore_refuses_lost_duplicated_or_mangled_placeholders(glossary, translated, reason):
    _, spans = protect("Savon de Marseille, AOP", glossary)
    assert restore(translated, spans) == (None, reason)


def test_text_without_terms_passes_unchanged(glossary):
    assert protect("Savon à la figue", glossary) == ("Savon à la figue", [])
    assert restore("无花果香皂", []) == ("无花果香皂", None)


def test_apply_fixed_only_for_a_whole_segment(glossary):
    assert apply_fixed(" Nougat de  Montélimar ", glossary) == "蒙特利马尔牛轧糖"
    assert apply_fixed("savonnerie du vieux lavoir", glossary) == "savonnerie du vieux lavoir"
    assert apply_fixed("Nougat de Montélimar aux amandes", glossary) is None


def test_fixed_translation_wins_over_the_same_kept_term():
    glossary = load_glossary({"fixed": {"Provence": "普罗旺斯"}}, extra_keep=["provence"])
    assert apply_fixed("PROVENCE", glossary) == "普罗旺斯"


def test_empty_fixed_translation_is_refused():
    with pytest.raises(ValueError, match="'Provence'"):
        load_glossary({"fixed": {"Provence": " "}})


def test_project_glossary_renders_the_agreed_terms():
    glossary = load_glossary(config_file("glossary.yaml"))
    agreed = {"Savon de Marseille": "马赛皂", "huile d’olive vierge extra": "特级初榨橄榄油",
              "AOP": "AOP", "IGP": "IGP", "Herbes de Provence": "普罗旺斯香草",
              "lavande fine": "真正薰衣草", "miel de lavande": "薰衣草蜂蜜",
              "Calissons d'Aix": "艾克斯杏仁糖", "calisson d’Aix": "艾克斯杏仁糖",
              "nougat de Montélimar": "蒙特利马尔牛轧糖", "Provence": "普罗旺斯"}
    assert {term: apply_fixed(term, glossary) for term in agreed} == agreed
