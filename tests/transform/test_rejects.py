import pandas as pd

from pipeline import config
from pipeline.transform.rejects import REJECT_COLUMNS, concat_rejects, empty_rejects, make_rejects

SETTINGS = config.settings()


def _rows():
    return pd.DataFrame({"vendor_id": ["v", "v"], "source_file": ["v/a.csv", "v/a.csv"], "source_row": [2, 5],
                         "sku": ["S1", "S2"], "price": ["sur demande", "gratuit"]})


def test_each_row_gets_a_french_and_english_message_naming_the_value():
    out = make_rejects(_rows(), field="price", rule="money_unreadable", settings=SETTINGS)
    assert list(out.columns) == REJECT_COLUMNS
    assert out["source_row"].tolist() == [2, 5]
    assert "« sur demande »" in out.loc[0, "message_fr"]
    assert "'gratuit' is not a readable price" in out.loc[1, "message_en"]


def test_per_row_parameters_fill_placeholders():
    rows = _rows()
    out = make_rejects(rows, field="barcode", rule="gtin_check_digit", value=pd.Series(["3760000000001", "x"]),
                       detail=pd.Series(["7", "3"]), settings=SETTINGS)
    assert "attendu 7" in out.loc[0, "message_fr"] and "expected 3" in out.loc[1, "message_en"]


def test_labels_come_from_the_schema():
    out = make_rejects(_rows().iloc[:1], field="sku", rule="required", value=pd.Series([pd.NA]), settings=SETTINGS)
    assert out.loc[0, "message_fr"] == "Le champ « Référence » est vide ; il est obligatoire."
    assert out.loc[0, "value"] == ""


def test_concat_of_nothing_is_an_empty_reject_frame():
    assert list(concat_rejects([empty_rejects(), empty_rejects()]).columns) == REJECT_COLUMNS
