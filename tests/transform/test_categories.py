import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.categories import category_coverage, classify, match_text

CANDY_AND_CHOCOLATE = "Food, Beverages & Tobacco > Food Items > Candy & Chocolate"


def _classify(titles, categories=None, product_class=None):
    frame = pd.DataFrame({
        "title": pd.Series(titles, dtype=object),
        "category": pd.Series(categories or [pd.NA] * len(titles), dtype=object),
        "product_class": pd.Series(product_class or [pd.NA] * len(titles), dtype=object)})
    return classify(frame, config.config_file("categories.yaml"))


@pytest.mark.parametrize(("title", "cid", "product_class"), [
    ("Savon de Marseille 72 % huile d’olive – cube 100 g", 50012482, "soap"),
    ("Lavender soap", 50012482, "soap"),
    ("Huile d'olive vierge extra AOP – 50 cl", 50050378, "olive_oil"),
    ("Extra virgin olive oil", 50050378, "olive_oil"),
    ("Tapenade noire aux olives grossanes", 50009821, "food"),
    ("Confiture de figues", 50009821, "food"),
    ("Herbes de Provence Label Rouge", 50009821, "food"),
    ("Calissons d’Aix traditionnels", 50016091, "confectionery"),
    ("Nougat blanc tendre au miel de lavande", 50016091, "confectionery"),
    ("Fruits confits d’Apt – assortiment", 50013061, "confectionery"),
    ("Chocolat noir aux amandes", 50008055, "confectionery"),
    ("Miel de lavande IGP de Provence", 50005773, "honey"),
    ("Lavender honey", 50005773, "honey"),
    ("Huiles essentielles – coffret découverte", 50011992, "essential_oil"),
    ("Lavender essential oil", 50011992, "essential_oil"),
    ("Crème pour les mains à l'amande", 50011983, "cosmetics"),
    ("Lait corporel au karité", 50011983, "cosmetics"),
    ("Body lotion", 50011983, "cosmetics"),
    ("Sachets de lavande – lot de 3", 50025839, "home_fragrance"),
    ("Parfum d’intérieur lavande", 50025839, "home_fragrance"),
    ("Bougie parfumée", 50025839, "home_fragrance"),
])
def test_french_and_english_titles_find_their_category(title, cid, product_class):
    out = _classify([title])
    assert (out.loc[0, "category_id"], out.loc[0, "product_class"]) == (cid, product_class)
    assert out.loc[0, "category_mapped"]
    assert out.loc[0, "category_name_zh"] == config.config_file("categories.yaml")["categories"][cid]


def test_cosmetics_naming_a_food_stay_cosmetics_and_spreads_naming_oil_stay_spreads():
    out = _classify(["Savon au miel de Provence", "Anchoïade à l'huile d'olive AOP",
                     "Fig jam with lavender honey"])
    assert out["category_id"].tolist() == [50012482, 50009821, 50009821]


def test_the_category_wins_over_the_title():
    out = _classify(["Coffret Provence"], ["Savons"])
    assert out.loc[0, "category_id"] == 50012482


def test_a_section_name_gives_way_to_a_title_naming_the_product():
    out = _classify(["Fruits confits d’Apt", "Coffret gourmand de Provence"], [CANDY_AND_CHOCOLATE] * 2)
    assert out["category_id"].tolist() == [50013061, 50016091]


def test_rows_matched_at_different_steps_each_get_their_own_rule():
    titles = ["Coffret Provence", "Fruits confits d’Apt", "Navettes", "Coffret gourmand de Provence", "Lavender soap",
              "Coffret Provence"]
    categories = ["Savons", CANDY_AND_CHOCOLATE, "Bakery > Cookies", CANDY_AND_CHOCOLATE, pd.NA, "Bakery > Cookies"]
    out = _classify(titles, categories)
    assert out["category_id"].tolist() == [50012482, 50013061, 0, 50016091, 50012482, 0]


def test_unmapped_product_gets_cid_0_and_class_other():
    out = _classify(["Navettes à la fleur d’oranger"], ["Bakery > Cookies"])
    assert out.loc[0, "category_id"] == 0
    assert pd.isna(out.loc[0, "category_name_zh"])
    assert out.loc[0, "product_class"] == "other"
    assert not out.loc[0, "category_mapped"]


def test_the_profile_product_class_is_kept():
    out = _classify(["Savon à la lavande", "Miel de lavande"], product_class=["cosmetics", pd.NA])
    assert out["product_class"].tolist() == ["cosmetics", "honey"]
    assert out["category_id"].tolist() == [50012482, 50005773]


def test_output_types():
    out = _classify(["Savon", "Rien"])
    assert str(out["category_id"].dtype) == "Int64"
    assert out["category_mapped"].dtype == bool
    assert out["category_mapped"].tolist() == [True, False]


def test_match_text_ignores_case_accents_punctuation_and_plurals():
    out = match_text(pd.Series(["Huiles d’Olives", "CRÈME & Œufs"]))
    assert out.tolist() == ["huile d olive", "creme and oeuf"]


def test_every_rule_names_a_known_category_and_class():
    rules = config.config_file("categories.yaml")
    assert rules["rules"]
    for rule in rules["rules"]:
        assert rule["category_id"] in rules["categories"]
        assert rule["product_class"] in rules["product_classes"]
    assert rules["unmapped_class"] in rules["product_classes"]


def test_category_coverage():
    out = _classify(["Savon", "Miel", "Navettes"])
    assert category_coverage(out) == {"mapped": 2, "unmapped": 1, "share": 0.6667}
    assert category_coverage(out.iloc[0:0]) == {"mapped": 0, "unmapped": 0, "share": None}


def test_classify_leaves_its_input_alone():
    frame = pd.DataFrame({"category": ["Savons", "Miels", "Savons"], "title": ["Savon", "Miel de lavande", "Savon"],
                          "product_class": [pd.NA, pd.NA, "soap"]})
    before = frame.copy()
    out = classify(frame, config.config_file("categories.yaml"))
    pd.testing.assert_frame_equal(frame, before)
    assert "category_id" not in frame and len(out) == 3
