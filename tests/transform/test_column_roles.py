"""pipeline/transform/column_roles.py: which column fills which field, from header words confirmed by content."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import config
from pipeline.transform.column_roles import decide_columns

SETTINGS = config.settings()


def plan_of(columns: dict[str, list[str]], **options):
    return decide_columns(pd.DataFrame(columns, dtype=object), SETTINGS.reading, **options)


def taken(plan, target: str) -> list[str]:
    return plan.columns_of(target)


SOAPS = {"Réf.": ["SAV-1", "SAV-2", "SAV-3"], "Désignation": ["Savon lavande", "Savon miel", "Savon olive"]}


@pytest.mark.parametrize(("prices", "chosen"), [
    ({"Prix pro": ["2,95 €"] * 3, "Prix boutique": ["5,90 €"] * 3}, "Prix boutique"),          # retail first
    ({"Prix HT": ["5,00"] * 3, "Prix TTC": ["6,00"] * 3}, "Prix HT"),                           # then HT
    ({"Tarif promo": ["4,00"] * 3, "Tarif régulier": ["5,00"] * 3}, "Tarif régulier"),         # never promo
    ({"PRIX PROMO TTC": ["34 €"] * 3, "PRIX PUBLIC TTC": ["48 €"] * 3}, "PRIX PUBLIC TTC"),
    ({"Prix vente unitaire HT": ["4.5", "4.6", "5"], "Prix vente unitaire TTC": ["5.4", "5.52", "6"]},
     "Prix vente unitaire HT"),
])
def test_the_price_preference_picks_one_column(prices, chosen):
    plan = plan_of({**SOAPS, **prices})
    assert taken(plan, "price")[0] == chosen
    assert plan.decisions["price"]["column"] == chosen


def test_a_price_of_another_basis_and_the_same_kind_fills_the_rows_left_empty():
    plan = plan_of({**SOAPS, "Prix HT": ["5,00", None, "7,00"], "TTC": ["6,00", "7,20", None]})
    assert taken(plan, "price") == ["Prix HT", "TTC"]
    assert [s.includes_vat for s in plan.sources["price"]] == [False, True]


def test_a_wholesale_price_never_stands_in_for_the_retail_one():
    plan = plan_of({**SOAPS, "Prix pro": ["3,00"] * 3, "Prix boutique": ["6,00", None, "6,00"]})
    assert taken(plan, "price") == ["Prix boutique"]


def test_two_plain_price_columns_at_a_vat_ratio_are_ht_and_ttc():
    plan = plan_of({"colonne 1": ["100001", "100002", "100003"], "colonne 2": ["Miel 250 g", "Miel 500 g", "Nougat"],
                    "colonne 3": ["10,00 €", "20,00 €", "5,00 €"], "colonne 4": ["12,00 €", "24,00 €", "6,00 €"]},
                   headerless=True)
    assert taken(plan, "price")[0] == "colonne 3" and plan.sources["price"][0].includes_vat is False


def test_two_plain_price_columns_at_another_steady_ratio_are_wholesale_and_retail():
    plan = plan_of({"colonne 1": ["200219", "200163", "200164"], "colonne 2": ["Café 250 gr", "Thé", "Cacao"],
                    "colonne 3": ["3.33 €", "14.29 €", "13.80 €"], "colonne 4": ["4.58 €", "19.65 €", "18.97 €"]},
                   headerless=True)
    price = plan.decisions["price"]
    assert (price["position"], price["kind"], price["includes_vat"]) == (4, "retail", True)
    assert price["confidence"] <= 0.6            # told apart by values only: said so


def test_values_overrule_a_header_they_contradict():
    plan = plan_of({**SOAPS, "Prix TTC (€)": ["8", "45", "10"], "Montants (€)": ["0", "0", "0"]})
    assert taken(plan, "price") == ["Prix TTC (€)"]
    assert "Montants (€)" in plan.unused and "zéro" in plan.notes["Montants (€)"]


def test_a_reference_whose_values_repeat_is_no_reference():
    plan = plan_of({"REF1": ["MC", "MC", "MC", "MC"], "Désignation": ["A", "B", "C", "D"],
                    "Prix": ["1", "2", "3", "4"]})
    assert "sku" not in plan.sources and plan.decisions["sku"]["method"] == "derived"


def test_the_leftmost_well_named_reference_wins_and_a_second_code_is_not_checked_against_it():
    plan = plan_of({"Code": ["000001", "000002", "000003"], "Libellé (nom)": ["Bol", "Mug", "Vase"],
                    "Prix HT": ["4", "5", "6"], "Référence interne 1": ["BOL", "MUG", "VAS"]})
    assert taken(plan, "sku") == ["Code"] and "Référence interne 1" in plan.unused


def test_two_reference_columns_holding_the_same_codes_are_checked_against_each_other():
    plan = plan_of({"Référence": ["A", "B", "C"], "Ref.": ["A", "B", "X"], "Désignation": ["a", "b", "c"],
                    "Prix": ["1", "2", "3"]})
    assert taken(plan, "sku") == ["Référence", "Ref."] and all(s.checked for s in plan.sources["sku"])


def test_content_alone_names_a_barcode_under_an_unknown_header():
    plan = plan_of({**SOAPS, "Gencod fournisseur X": ["3760987650014", "3760987650021", "3760987650038"],
                    "Prix": ["1", "2", "3"], "Divers": ["a", "b", "c"]})
    assert taken(plan, "barcode") == ["Gencod fournisseur X"]      # header words: gencod
    plan = plan_of({**SOAPS, "Zorglub": ["3760987650014", "3760987650021", "3760987650038"], "Prix": ["1", "2", "3"]})
    assert taken(plan, "barcode") == ["Zorglub"] and plan.decisions["barcode"]["method"] == "content"


def test_a_container_column_is_searched_for_its_net_content():
    plan = plan_of({**SOAPS, "Contenants": ["Pot verre 250 g", "Btle verre 75 cl", "Seau 1 kg"], "Prix": ["1"] * 3})
    assert plan.sources["net_content"][0].in_text


def test_no_net_content_column_means_the_title_is_searched():
    plan = plan_of({**SOAPS, "Prix": ["1", "2", "3"]})
    assert plan.net_content_from_title and plan.decisions["net_content"]["method"] == "title"


def test_a_sheet_without_title_composes_one_from_its_attributes():
    plan = plan_of({"INT/EXT": ["INT", "EXT", "INT"], "CATEGORIE": ["CARRELAGE"] * 3,
                    "COULEUR": ["IVOIRE", "NOIR", "GRIS"], "PRIX PUBLIC TTC": [" 48 € ", " 54 € ", " 60 € "],
                    "REF1": ["MC", "MC", "MC"]})
    assert plan.title_parts == ("INT/EXT", "CATEGORIE", "COULEUR")
    assert plan.decisions["title"]["method"] == "composed" and "REF1" not in plan.title_parts


@pytest.mark.parametrize("missing", [{"Référence": ["A"], "Désignation": ["x"], "Catégorie": ["c"]},
                                     {"Référence": ["A"], "Prix": ["1"]}])
def test_a_sheet_no_column_of_which_can_be_the_price_or_the_title_misses_it(missing):
    plan = plan_of(missing)
    assert plan.missing == (("price",) if "Désignation" in missing else ("title",))


def test_a_sheet_without_header_is_read_by_content():
    plan = plan_of({"colonne 1": ["150734", "150735", "A Créer"],
                    "colonne 2": ["Tour des Vidaux", "Tour des Vidaux", "Château X"],
                    "colonne 3": ['IGP du Var "Vidaux"', "Côtes de Provence Réserve", "Bandol rouge"],
                    "colonne 4": ["2016", "2015", "2016"], "colonne 5": ["75 cl", "75cl", "150 cl"],
                    "colonne 6": ["3.230", "3.408", "7.980"]}, headerless=True)
    assert {t: plan.decisions[t]["position"] for t in ("sku", "title", "net_content", "price")} == {
        "sku": 1, "title": 3, "net_content": 5, "price": 6}
    assert all(plan.decisions[t]["column"] is None and plan.decisions[t]["method"] == "content"
               for t in ("sku", "title", "net_content", "price"))
    assert "colonne 4" in plan.attributes and "colonne 2" in plan.identity     # a vintage, a domain


def test_the_profile_wins_and_a_platform_map_is_not_second_guessed():
    plan = plan_of({"Code interne": ["H1"], "Nom court": ["Huile"], "Prix": ["9"]},
                   overrides={"Code interne": "sku", "Nom court": "title"})
    assert plan.decisions["sku"]["method"] == "profile" and taken(plan, "title") == ["Nom court"]
    shopify = plan_of({"Handle": ["h"], "Title": ["Savon"], "Body (HTML)": ["x"], "Variant Price": ["4.5"],
                       "Image Alt Text": ["un savon"]}, platform="shopify")
    assert taken(shopify, "title") == ["Title"] and "Image Alt Text" in shopify.unused


def test_a_platform_export_takes_a_barcode_column_it_does_not_know():
    plan = plan_of({"ID": ["1"], "Type": ["simple"], "UGS": ["P1"], "GTIN, UPC, EAN ou ISBN": [None], "Nom": ["Parfum"],
                    "Tarif régulier": ["35"], "Parent": [None], "EAN": ["3000000017968"]}, platform="woocommerce")
    assert taken(plan, "barcode") == ["GTIN, UPC, EAN ou ISBN", "EAN"]


def test_a_reference_repeated_on_identical_rows_stays_the_reference():
    """Rows that repeat whole are duplicated products (each rejected as such), not rows a group code binds."""
    plan = plan_of({"Référence": ["DUP-1"] * 50 + ["GOOD-1"], "Désignation": ["Savon"] * 50 + ["Miel"],
                    "Prix HT": ["4,50"] * 51})
    assert taken(plan, "sku") == ["Référence"]
