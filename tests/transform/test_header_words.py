"""Tests of pipeline.transform.header_words: a column header read as words, the field it names, its qualifiers."""
from __future__ import annotations

import pytest

from pipeline import config
from pipeline.transform.header_words import (
    HeaderReading,
    Lexicon,
    header_words,
    read_header,
)

SETTINGS = config.settings()


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    """The lexicon as the pipeline builds it (config/header_lexicon.yaml and config/units.yaml)."""
    return SETTINGS.reading.lexicon


# --- header_words: normalisation -----------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "words"), [
    pytest.param("DÉSIGNATION", ("designation",), id="case-and-accent"),
    pytest.param("Catégorie", ("categorie",), id="accent"),
    pytest.param("Qté", ("qte",), id="accent-in-abbreviation"),
    pytest.param("Nom de l’article", ("nom", "de", "article"), id="typographic-apostrophe-elision"),
    pytest.param("Nom de l'article", ("nom", "de", "article"), id="straight-apostrophe-elision"),
    pytest.param("Pays d'origine", ("pay", "origine"), id="elision-d-and-plural"),
    pytest.param("Prix\u00a0HT", ("prix", "ht"), id="nbsp"),
    pytest.param("Prix\u202fTTC", ("prix", "ttc"), id="narrow-nbsp"),
    pytest.param("N° produit", ("numero", "produit"), id="degree-sign-numero"),
    pytest.param("Nº produit", ("numero", "produit"), id="ordinal-sign-numero"),
    pytest.param("No. article", ("numero", "article"), id="no-dot-numero"),
    pytest.param("n°article", ("numero", "article"), id="numero-glued"),
    pytest.param("Prix (€)", ("prix", "eur"), id="euro-sign"),
    pytest.param("Prix €HT", ("prix", "eur", "ht"), id="euro-sign-glued"),
    pytest.param("Références", ("reference",), id="plural-s"),
    pytest.param("Code-barres", ("code", "barre"), id="hyphen-and-plural"),
    pytest.param("Stress", ("stress",), id="double-s-kept"),
    pytest.param("Gas", ("gas",), id="short-word-kept"),
    pytest.param("REF1", ("ref", "1"), id="letters-then-digits"),
    pytest.param("EAN13", ("ean", "13"), id="ean13"),
    pytest.param("prix_ttc", ("prix", "ttc"), id="underscore"),
    pytest.param("  Réf.  fournisseur ", ("ref", "fournisseur"), id="punctuation-and-spacing"),
    pytest.param("", (), id="empty"),
])
def test_header_words(header: str, words: tuple[str, ...]) -> None:
    assert header_words(header) == words


def test_the_words_the_lexicon_matches_drop_its_stopwords(lexicon: Lexicon) -> None:
    assert lexicon.words("Nom de l’article") == ("nom", "article")
    assert lexicon.words("Nom du produit") == ("nom", "produit")


def test_header_words_of_a_non_text_header() -> None:
    assert header_words(2026) == ("2026",)


# --- read_header: many real-world French headers ------------------------------------------------------------

@pytest.mark.parametrize(("header", "field", "qualifiers"), [
    # prices and their qualifiers
    ("Prix unitaire HT (EUR)", "price", {"includes_vat": False, "currency": "EUR", "price_kind": "regular"}),
    ("PVC TTC", "price", {"includes_vat": True, "price_kind": "retail"}),
    ("Prix Pro", "price", {"price_kind": "wholesale", "includes_vat": None}),
    ("Tarif promo", "price", {"price_kind": "promo"}),
    ("Tarif régulier", "price", {"price_kind": "regular"}),
    ("Prix TTC (€)", "price", {"includes_vat": True, "currency": "EUR"}),
    ("Prix (€ HT)", "price", {"includes_vat": False, "currency": "EUR"}),
    ("Prix HT", "price", {"includes_vat": False, "currency": None, "price_kind": None}),
    ("Prix TVAC", "price", {"includes_vat": True}),
    ("Prix hors taxes", "price", {"includes_vat": False}),
    ("Prix public conseillé TTC", "price", {"includes_vat": True, "price_kind": "retail"}),
    ("Prix d'achat HT", "price", {"includes_vat": False, "price_kind": "wholesale"}),
    ("Tarif distributeur HT", "price", {"includes_vat": False, "price_kind": "wholesale"}),
    ("Prix soldé", "price", {"price_kind": "promo"}),
    ("Prix en CHF", "price", {"currency": "CHF"}),
    # references and names
    ("Réf. fournisseur", "sku", {}),
    ("Code article", "sku", {}),
    ("N° produit (1-999999999)", "sku", {}),
    ("Nom de l’article", "title", {}),
    ("Nom du produit", "title", {}),
    ("Libellé (nom)", "title", {}),
    ("Désignation article", "title", {}),
    # barcodes
    ("Code EAN", "barcode", {}),
    ("Code EAN produit", "barcode", {}),
    ("Code Gencod", "barcode", {}),
    ("N° EAN", "barcode", {}),
    ("Code-barres", "barcode", {}),
    ("EAN-13 complet", "barcode", {}),
    ("Gencod", "barcode", {}),
    ("Code barre EAN13", "barcode", {}),
    # quantities, with the unit in parentheses or as the last word
    ("Poids net (g)", "net_content", {"unit": "g", "unit_kind": "mass"}),
    ("Poids (g)", "weight", {"unit": "g", "unit_kind": "mass"}),
    ("Poids brut (kg)", "weight", {"unit": "kg", "unit_kind": "mass"}),
    ("Contenance (cl)", "net_content", {"unit": "cl", "unit_kind": "volume"}),
    ("Contenance ml", "net_content", {"unit": "ml", "unit_kind": "volume"}),
    ("DDM (mois)", "shelf_life", {"unit": "mois", "unit_kind": "duration"}),
    ("Qté", "stock", {}),
    ("Stock disponible", "stock", {}),
    # descriptive fields
    ("Marque", "brand", {"fallback": False}),
    ("Catégorie", "category", {"fallback": False}),
    ("Famille", "category", {}),
    ("Description", "description", {}),
    ("Pays d'origine", "origin", {}),
    ("Ingrédients", "ingredients", {}),
    ("Lien photo", "image_urls", {}),
])
def test_read_header_names_a_field(lexicon: Lexicon, header: str, field: str, qualifiers: dict) -> None:
    reading = read_header(header, lexicon)
    assert reading.field == field
    assert reading.other is None and reading.score > 0 and reading.recognised
    assert {name: getattr(reading, name) for name in qualifiers} == qualifiers


@pytest.mark.parametrize(("header", "other"), [
    ("Montant total", "total"),
    ("Total", "total"),
    ("TVA", "vat_rate"),
    ("Taux de TVA", "vat_rate"),
    ("url site", "link"),
    ("Quantité commandée", "order"),
    ("Statut", "status"),
    ("Unité", "unit"),
])
def test_read_header_names_a_known_other_column(lexicon: Lexicon, header: str, other: str) -> None:
    reading = read_header(header, lexicon)
    assert (reading.field, reading.other, reading.score) == (None, other, 0.0)
    assert reading.recognised


@pytest.mark.parametrize("header", ["Couleur", "Millésime", "Parfum", "Cépage"])
def test_read_header_names_an_attribute(lexicon: Lexicon, header: str) -> None:
    reading = read_header(header, lexicon)
    assert reading.attribute is True
    assert reading.field is None and reading.other is None and reading.recognised


@pytest.mark.parametrize(("header", "field"), [
    ("Sous-catégorie", "category"),
    ("Sous famille", "category"),
    ("Fournisseur", "brand"),
    ("Producteur", "brand"),
    ("Description courte", "description"),
])
def test_read_header_names_a_fallback_field(lexicon: Lexicon, header: str, field: str) -> None:
    reading = read_header(header, lexicon)
    assert (reading.field, reading.fallback) == (field, True)


@pytest.mark.parametrize("header", ["Remarque", "Commentaire", "", "Bla bla"])
def test_read_header_recognises_nothing(lexicon: Lexicon, header: str) -> None:
    reading = read_header(header, lexicon)
    assert reading == HeaderReading()
    assert not reading.recognised


def test_the_first_field_word_weighs_a_half_more(lexicon: Lexicon) -> None:
    """French puts the head noun first: of two words of equal weight, the first decides."""
    assert (read_header("Nom marque", lexicon).field, read_header("Nom marque", lexicon).score) == ("title", 4.5)
    assert (read_header("Marque nom", lexicon).field, read_header("Marque nom", lexicon).score) == ("brand", 4.5)


def test_a_phrase_is_matched_before_its_words(lexicon: Lexicon) -> None:
    """"numero produit" is one phrase (sku, 3): "produit" is not read again as a title word."""
    assert (read_header("N° produit", lexicon).field, read_header("N° produit", lexicon).score) == ("sku", 4.5)


def test_a_unit_counts_only_in_parentheses_or_last(lexicon: Lexicon) -> None:
    assert read_header("Contenance (cl) bouteille", lexicon).unit == "cl"
    assert read_header("Contenance en ml", lexicon).unit == "ml"
    assert read_header("Contenance l bouteille", lexicon).unit is None


def test_a_price_header_without_a_qualifier_states_none(lexicon: Lexicon) -> None:
    reading = read_header("Prix", lexicon)
    assert (reading.includes_vat, reading.currency, reading.unit, reading.price_kind) == (None, None, None, None)


# --- Lexicon.is_empty_value ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    "A créer", "à créer", "N/A", "n/a", "?", "-", "--", "/", "néant", "NÉANT", "NC", "TBD", "A définir", "",
    "   ", " N/A ",
])
def test_placeholders_are_empty_values(lexicon: Lexicon, cell: str) -> None:
    assert lexicon.is_empty_value(cell)


@pytest.mark.parametrize("cell", ["SAV-01", "Savon", "0", "Sans gluten", "Nature", "N/A 2"])
def test_real_values_are_not_empty_values(lexicon: Lexicon, cell: str) -> None:
    """A lone "0" is not a placeholder in the lexicon (it is one only where a column of words says so)."""
    assert not lexicon.is_empty_value(cell)
