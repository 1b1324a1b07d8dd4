import pandas as pd

from pipeline import config
from pipeline.transform.supersede import newest_in_sku_order, newest_wins

SETTINGS = config.settings()


def _rows():
    return pd.DataFrame({"vendor_id": ["v", "v", "v", "w"], "source_file": ["v/old.csv", "v/old.csv", "v/new.csv",
                                                                             "w/a.csv"],
                         "source_row": [2, 3, 2, 2], "sku": ["A", "B", "A", "A"], "price": [1, 2, 3, 4]})


def test_the_newest_file_of_a_vendor_wins_and_older_rows_are_rejected_naming_it():
    kept, rejects = newest_wins(_rows(), {"v/old.csv": 0, "w/a.csv": 1, "v/new.csv": 2}, SETTINGS)
    assert kept[["source_file", "sku"]].values.tolist() == [["v/old.csv", "B"], ["v/new.csv", "A"], ["w/a.csv", "A"]]
    assert rejects[["source_file", "source_row", "rule"]].values.tolist() == [["v/old.csv", 2, "superseded"]]
    assert "v/new.csv" in rejects.loc[0, "message_fr"]


def test_nothing_overlaps_nothing_is_rejected():
    kept, rejects = newest_wins(_rows().iloc[[0, 1, 3]], {"v/old.csv": 0, "w/a.csv": 1}, SETTINGS)
    assert len(kept) == 3 and rejects.empty


def _file(name: str, skus: list[str], per_frame: int) -> list[pd.DataFrame]:
    rows = pd.DataFrame({"vendor_id": "v", "source_file": name, "source_row": range(2, len(skus) + 2), "sku": skus})
    return [rows.iloc[start:start + per_frame] for start in range(0, len(rows), per_frame)]


def test_files_read_a_few_frames_at_a_time_keep_what_all_their_rows_at_once_keep():
    old = _file("v/old.csv", ["A", "B", "C", "D", "E", "F", "G"], 2)
    new = _file("v/new.csv", ["B", "F", "H"], 1)
    order = {"v/old.csv": 0, "v/new.csv": 1}
    batches = list(newest_in_sku_order([iter(old), iter(new)], order, SETTINGS))
    kept = pd.concat([rows for rows, _ in batches], ignore_index=True)
    expected, rejects = newest_wins(pd.concat([*old, *new], ignore_index=True), order, SETTINGS)
    expected = expected.sort_values(["sku", "source_file", "source_row"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, expected)
    assert sorted(pd.concat([found for _, found in batches])["sku"]) == sorted(rejects["sku"]) == ["B", "F"]
    assert len(batches) > 2                                     # not all read at once


def test_no_files_or_empty_files_give_nothing():
    assert list(newest_in_sku_order([], {}, SETTINGS)) == []
    assert list(newest_in_sku_order([iter([]), iter([pd.DataFrame()])], {}, SETTINGS)) == []
