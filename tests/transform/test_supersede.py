import pandas as pd

from pipeline.transform.supersede import newest_wins


def _rows():
    return pd.DataFrame({"vendor_id": ["v", "v", "v", "w"], "source_file": ["v/old.csv", "v/old.csv", "v/new.csv",
                                                                             "w/a.csv"],
                         "source_row": [2, 3, 2, 2], "sku": ["A", "B", "A", "A"], "price": [1, 2, 3, 4]})


def test_the_newest_file_of_a_vendor_wins_and_older_rows_are_rejected_naming_it():
    kept, rejects = newest_wins(_rows(), {"v/old.csv": 0, "w/a.csv": 1, "v/new.csv": 2})
    assert kept[["source_file", "sku"]].values.tolist() == [["v/old.csv", "B"], ["v/new.csv", "A"], ["w/a.csv", "A"]]
    assert rejects[["source_file", "source_row", "rule"]].values.tolist() == [["v/old.csv", 2, "superseded"]]
    assert "v/new.csv" in rejects.loc[0, "message_fr"]


def test_nothing_overlaps_nothing_is_rejected():
    kept, rejects = newest_wins(_rows().iloc[[0, 1, 3]], {"v/old.csv": 0, "w/a.csv": 1})
    assert len(kept) == 3 and rejects.empty
