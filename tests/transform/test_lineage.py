"""pipeline/transform/lineage.py names the schema's lineage columns, in the schema's order."""
from pipeline import config
from pipeline.transform.lineage import LINEAGE, ROW_IDENTITY
from pipeline.transform.rejects import REJECT_COLUMNS


def test_lineage_is_the_schemas():
    assert LINEAGE == list(config.schema()["lineage"])


def test_a_reject_names_its_row_by_lineage_and_sku_first():
    assert REJECT_COLUMNS[:len(ROW_IDENTITY)] == ROW_IDENTITY == [*LINEAGE, "sku"]
