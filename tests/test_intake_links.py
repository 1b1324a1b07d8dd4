"""End to end: symbolic links and special files in the intake are accounted for as quarantined inputs and never
read (pipeline/extract/intake.py, through pipeline.run)."""
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from pathlib import Path

import pandas as pd

from pipeline.run import run

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "intake"
VENDOR = "savonnerie-du-vieux-lavoir"
DAY = dt.date(2026, 11, 1)   # a Sunday: priced at Friday 2026-10-30, the newest rate shipped offline
MARKER = b"sku,title,price\nMARKER-1,Marqueur secret,1.00\n"
LINK_REASON = "lien symbolique : non lu / symbolic link: not read"
SPECIAL_REASON = "fichier spécial (FIFO, périphérique) : non lu / special file (FIFO, device): not read"


def _intake_with_links(tmp_path: Path) -> tuple[Path, Path]:
    """A sample vendor's good sheet, with links to a marker sheet outside the intake next to it; and the marker."""
    outside = tmp_path / "outside"
    outside.mkdir()
    marker = outside / "marker.csv"
    marker.write_bytes(MARKER)
    intake = tmp_path / "intake"
    shutil.copytree(SAMPLES / VENDOR, intake / VENDOR)
    vendor = intake / VENDOR
    (vendor / "marqueur.csv").symlink_to(marker)
    (vendor / "passwd.csv").symlink_to("/etc/passwd")
    (vendor / "boucle-a.csv").symlink_to(vendor / "boucle-b.csv")
    (vendor / "boucle-b.csv").symlink_to(vendor / "boucle-a.csv")
    (vendor / "dossier").symlink_to(outside, target_is_directory=True)
    os.mkfifo(vendor / "tube.csv")
    (intake / "complice").symlink_to(outside, target_is_directory=True)
    return intake, marker


def _holds_marker(frame: pd.DataFrame) -> bool:
    return any(frame[column].astype(str).str.contains("MARKER-1", regex=False).any() for column in frame.columns)


def test_links_are_quarantined_inputs_and_the_marker_is_published_nowhere(tmp_path, caplog, capfd):
    intake, marker = _intake_with_links(tmp_path)
    with caplog.at_level(logging.INFO):
        summary = run(str(intake), str(tmp_path / "out"), str(tmp_path / "state.db"), DAY)
    folder = Path(summary.folder)
    manifest = summary.manifest
    manifest_text = (folder / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(manifest_text)["inputs"] == manifest["inputs"]

    for name in ("tmall_upload.parquet", "validated_products.parquet"):
        assert not _holds_marker(pd.read_parquet(folder / name)), name
    for name in ("tmall_upload.csv", "rejects.csv", "pending_translation.csv", "manifest.json"):
        raw = (folder / name).read_bytes()
        assert not any(sku in raw for sku in (b"MARKER-1", "MARKER-1".encode("utf-16-le"))), name
    assert hashlib.sha256(MARKER).hexdigest() not in manifest_text
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() not in manifest_text

    inputs = {i["path"]: i for i in manifest["inputs"]}
    refused = {f"{VENDOR}/{name}" for name in ("marqueur.csv", "passwd.csv", "boucle-a.csv", "boucle-b.csv",
                                               "dossier")} | {"complice"}
    assert len(refused) == 6
    for path in refused:
        assert inputs[path]["status"] == "quarantined" and inputs[path]["error"] == LINK_REASON, path
        assert inputs[path]["sha256"] is None and inputs[path]["rows"] == 0, path
    assert inputs[f"{VENDOR}/tube.csv"]["error"] == SPECIAL_REASON
    assert {inputs[p]["vendor_id"] for p in refused - {"complice"}} == {VENDOR}
    assert inputs["complice"]["vendor_id"] == "complice"
    good = next(i for p, i in inputs.items() if p.endswith(".csv") and i["status"] == "processed")
    assert good["vendor_id"] == VENDOR and good["rows"] > 0
    assert set(inputs) == refused | {f"{VENDOR}/tube.csv", good["path"]}

    assert manifest["rows_in"] == manifest["rows_published"] + manifest["rows_rejected"] + manifest["rows_pending"]
    assert manifest["rows_in"] == good["rows"]
    assert "Traceback" not in caplog.text and "Traceback" not in capfd.readouterr().err
