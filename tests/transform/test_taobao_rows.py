from decimal import Decimal

import pandas as pd
import pytest

from pipeline.config import output_profile
from pipeline.transform.taobao_rows import taobao_rows

PROFILE = output_profile()


def _listings(**columns):
    base = {"vendor_id": ["savonnerie-du-vieux-lavoir", "moulin-des-quatre-bories"],
            "sku": ["SVL-LAV-100", "MQB-AOP-50"],
            "title_listing": ["Savonnerie du Vieux Lavoir 薰衣草皂 100克", "特级初榨橄榄油 500毫升"],
            "category_id": pd.array([50012482, 0], dtype="Int64"),
            "price_cny": [Decimal("36.5"), Decimal("123.40")],
            "stock": pd.array([160, pd.NA], dtype="Int64"),
            "description_html": ["<p>薰衣草皂</p>", "<p>橄榄油</p>"],
            "outer_id": ["savonnerie-du-vieux-lavoir-SVL-LAV-100", "moulin-des-quatre-bories-MQB-AOP-50"],
            "brand": ["Savonnerie du Vieux Lavoir", pd.NA],
            "barcode": ["3760991240041", pd.NA]}
    base.update(columns)
    return pd.DataFrame(base)


def test_the_63_profile_columns_match_the_reference_list(shared_dir):
    reference = (shared_dir / "reference" / "taobao-assistant-columns.tsv").read_text(encoding="utf-8")
    expected = [line.split("\t")[1:] for line in reference.splitlines()[1:]]
    assert [[c["en"], c["zh"]] for c in PROFILE["columns"]] == expected


def test_rows_have_the_profile_columns_in_order_as_text():
    rows = taobao_rows(_listings(), PROFILE)
    assert list(rows.columns) == [c["en"] for c in PROFILE["columns"]]
    assert len(rows.columns) == 63
    assert rows.map(lambda cell: isinstance(cell, str)).all().all()


def test_rows_are_sorted_by_vendor_and_sku():
    rows = taobao_rows(_listings(), PROFILE)
    assert rows["outer_id"].tolist() == ["moulin-des-quatre-bories-MQB-AOP-50",
                                         "savonnerie-du-vieux-lavoir-SVL-LAV-100"]


def test_listing_values():
    row = taobao_rows(_listings(), PROFILE).iloc[1]
    assert (row["title"], row["cid"], row["price"], row["num"]) == (
        "Savonnerie du Vieux Lavoir 薰衣草皂 100克", "50012482", "36.50", "160")
    assert (row["description"], row["barcode"]) == ("<p>薰衣草皂</p>", "3760991240041")
    assert (row["inputPids"], row["inputValues"]) == ("20000", "Savonnerie du Vieux Lavoir")


def test_missing_values():
    row = taobao_rows(_listings(), PROFILE).iloc[0]
    assert (row["cid"], row["price"], row["num"], row["barcode"]) == ("0", "123.40", "0", "")
    assert (row["inputPids"], row["inputValues"]) == ("", "")


def test_cross_border_constants():
    row = taobao_rows(_listings(), PROFILE).iloc[0]
    assert (row["buyareatype"], row["global_stock_type"], row["global_stock_country"]) == ("1", "1", "法国")
    assert (row["num_id"], row["item_type"]) == ("0", "1")
    assert row["seller_cids"] == "" and row["picture"] == ""


def test_brand_commas_do_not_split_input_values():
    rows = taobao_rows(_listings(brand=["Nature, Provence", pd.NA]), PROFILE)
    assert rows["inputValues"].tolist() == ["", "Nature Provence"]


def test_tabs_and_line_breaks_become_spaces():
    rows = taobao_rows(_listings(title_listing=["a\tb", "c\r\nd"]), PROFILE)
    assert sorted(rows["title"]) == ["a b", "c  d"]


@pytest.mark.parametrize("price", [Decimal("1.005"), Decimal("-1.00"), Decimal("100000000.01"), None, 12.5])
def test_a_price_that_cannot_be_listed_is_refused(price):
    with pytest.raises(ValueError, match="price"):
        taobao_rows(_listings(price_cny=[Decimal("1.00"), price]), PROFILE)


def test_a_stock_outside_the_marketplace_range_is_refused():
    with pytest.raises(ValueError, match="stock"):
        taobao_rows(_listings(stock=pd.array([900000001, 1], dtype="Int64")), PROFILE)


def test_cells_are_arrow_backed_text_in_vendor_and_sku_order_whatever_the_input_order():
    listings = pd.concat([_listings(), _listings(sku=["SVL-LAV-050", "MQB-AOP-10"])], ignore_index=True)
    rows = taobao_rows(listings.iloc[[3, 0, 2, 1]], PROFILE)
    assert (rows.dtypes == "str").all() and rows.index.tolist() == [0, 1, 2, 3]
    assert rows["outer_id"].tolist() == ["moulin-des-quatre-bories-MQB-AOP-50", "moulin-des-quatre-bories-MQB-AOP-50",
                                         "savonnerie-du-vieux-lavoir-SVL-LAV-100",
                                         "savonnerie-du-vieux-lavoir-SVL-LAV-100"]
    assert rows["barcode"].tolist()[2:] == ["3760991240041"] * 2


def test_text_columns_of_any_dtype_give_the_same_cells():
    plain = taobao_rows(_listings(), PROFILE)
    as_str = _listings()
    for column in ("title_listing", "description_html", "outer_id", "brand", "barcode", "vendor_id", "sku"):
        as_str[column] = as_str[column].astype("str")
    pd.testing.assert_frame_equal(taobao_rows(as_str, PROFILE), plain)
    numbers = taobao_rows(_listings(barcode=pd.Series([3760991240041, None], dtype=object)), PROFILE)
    assert numbers["barcode"].tolist() == ["", "3760991240041"]


def test_prices_are_written_with_two_decimals_whatever_their_exponent():
    rows = taobao_rows(_listings(price_cny=[Decimal("1E+2"), Decimal("5")]), PROFILE)
    assert rows["price"].tolist() == ["5.00", "100.00"]
    repeated = taobao_rows(pd.concat([_listings()] * 3, ignore_index=True), PROFILE)
    assert repeated["price"].tolist() == ["123.40"] * 3 + ["36.50"] * 3


def test_control_characters_in_a_long_text_become_spaces():
    rows = taobao_rows(_listings(description_html=["<p>a</p>\n<p>b</p>", "<p>c\td</p>"]), PROFILE)
    assert rows["description"].tolist() == ["<p>c d</p>", "<p>a</p> <p>b</p>"]
