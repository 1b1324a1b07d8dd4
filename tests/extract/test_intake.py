"""Discovering vendor files in the intake (pipeline/extract/intake.py)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from pipeline.extract.intake import IntakeUnavailable, discover, read_bytes, sha256_hex

LAYOUT = {
    "savonnerie/catalogue.csv": b"sku;prix\nA;1\n",
    "savonnerie/profile.yaml": b"vendor_name: Savonnerie\n",
    "savonnerie/archives/2024.xlsx": b"PK",
    "savonnerie/.~lock.catalogue.csv#": b"lock",
    "moulin/tarifs.csv": b"x",
    "moulin/2025/profile.yaml": b"reserved name, never a sheet",
    "_archive/old.csv": b"x",
    ".trash/old.csv": b"x",
    ".DS_Store": b"x",
    "notes.csv": b"sku\n",
}


@pytest.fixture
def local_intake(tmp_path: Path) -> Path:
    for path, data in LAYOUT.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    return tmp_path


@pytest.fixture
def memory_intake() -> Iterator[str]:
    root = f"memory://intake-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    for path, data in LAYOUT.items():
        fs.pipe(f"{root}/{path}", data)
    yield root
    fs.rm(root, recursive=True)


EXPECTED_FILES = [
    ("moulin", "moulin/tarifs.csv", 1),
    ("savonnerie", "savonnerie/archives/2024.xlsx", 2),
    ("savonnerie", "savonnerie/catalogue.csv", 13),
]


def test_discover_local_folder(local_intake: Path) -> None:
    files, strays = discover(str(local_intake))
    assert [(f.vendor_id, f.path, f.size) for f in files] == EXPECTED_FILES
    assert files[2].url == f"{local_intake}/savonnerie/catalogue.csv"
    assert [(s.path, s.url) for s in strays] == [("notes.csv", f"{local_intake}/notes.csv")]
    assert "hors de tout dossier fournisseur" in strays[0].reason_fr
    assert "outside any vendor folder" in strays[0].reason_en


def test_discover_fsspec_url(memory_intake: str) -> None:
    files, strays = discover(memory_intake + "/")
    assert [(f.vendor_id, f.path, f.size) for f in files] == EXPECTED_FILES
    assert files[2].url == f"{memory_intake}/savonnerie/catalogue.csv"
    assert read_bytes(files[2]) == LAYOUT["savonnerie/catalogue.csv"]
    assert [s.path for s in strays] == ["notes.csv"]


def test_read_bytes_local(local_intake: Path) -> None:
    files, _ = discover(str(local_intake))
    assert read_bytes(files[0]) == b"x"


def test_missing_intake_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(IntakeUnavailable, match="does not exist or is not a folder") as caught:
        discover(str(tmp_path / "absent"))
    assert "\n" not in str(caught.value)


def test_intake_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "intake.csv").write_bytes(b"x")
    with pytest.raises(IntakeUnavailable):
        discover(str(tmp_path / "intake.csv"))


def test_unknown_protocol_is_unavailable() -> None:
    with pytest.raises(IntakeUnavailable, match="cannot be listed: Protocol not known"):
        discover("nosuchprotocol://bucket/intake")


def test_empty_intake(tmp_path: Path) -> None:
    assert discover(str(tmp_path)) == ([], [])


def test_sha256_hex() -> None:   # FIPS 180-2 test vector
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
