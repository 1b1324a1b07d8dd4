"""The manifest entry of one input file (light: no pandas), shared by ingestion and discovery."""
from __future__ import annotations


def input_record(file) -> dict:
    """A new entry for an intake file (or a stray file outside vendor folders), nothing read yet."""
    return {"path": file.path, "sha256": None, "vendor_id": getattr(file, "vendor_id", None), "format": None,
            "encoding": None, "platform": None, "rows_raw": 0, "rows": 0, "rows_rejected": 0, "rows_valid": 0,
            "status": "processed", "error": None, "modified": getattr(file, "modified", "")}


def quarantined(record: dict, reason: str) -> dict:
    """The entry of a file that could not be read, with the reason (French / English)."""
    return {**record, "status": "quarantined", "error": reason}


def stray_record(stray) -> dict:
    """The entry of an intake entry that is not read (a file outside any vendor folder, a link, a special file),
    accounted for as quarantined with its reason."""
    return quarantined(input_record(stray), f"{stray.reason_fr} / {stray.reason_en}")
