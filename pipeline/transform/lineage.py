"""The lineage columns every row carries from its reading to the feed (schemas/vendor_product.yaml `lineage`): the
vendor, the file and the row a spreadsheet shows; with the SKU, what names a row in a reject."""
LINEAGE = ["vendor_id", "source_file", "source_row"]
ROW_IDENTITY = [*LINEAGE, "sku"]
