"""Discovering vendor files in the intake (pipeline/extract/intake.py)."""
from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from pipeline.extract.intake import (
    LINK_REASON_EN,
    LINK_REASON_FR,
    OUTSIDE_REASON_EN,
    OUTSIDE_REASON_FR,
    SPECIAL_REASON_EN,
    SPECIAL_REASON_FR,
    IntakeFile,
    IntakeUnavailable,
    NotARegularFile,
    StrayFile,
    _fsspec_listing,
    discover,
    file_sha256,
    open_file,
    read_bytes,
    sha256_hex,
)
from pipeline.extract.sniff import UnreadableSheet

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


MARKER = b"sku,title,price\nMARKER-1,Marqueur secret,1.00\n"
LINK = (LINK_REASON_FR, LINK_REASON_EN)
SPECIAL = (SPECIAL_REASON_FR, SPECIAL_REASON_EN)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the intake holding the marker sheet, which no vendor may publish."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "marker.csv").write_bytes(MARKER)
    return folder


@pytest.fixture
def intake(tmp_path: Path) -> Path:
    """An intake with one vendor folder holding one good sheet."""
    vendor = tmp_path / "intake" / "savonnerie"
    vendor.mkdir(parents=True)
    (vendor / "catalogue.csv").write_bytes(b"sku;prix\nA;1\n")
    return tmp_path / "intake"


def _refused(strays: list[StrayFile]) -> dict[str, tuple]:
    return {s.path: (s.vendor_id, s.reason_fr, s.reason_en) for s in strays}


def _call_with_timeout(function, *args, seconds: float = 10):
    """function(*args) in a thread; fails the test instead of hanging when it blocks (a FIFO opened)."""
    outcome = {}

    def call() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function.__name__} blocked"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_links_in_a_vendor_folder_are_quarantined_never_listed(intake: Path, outside: Path) -> None:
    vendor = intake / "savonnerie"
    (vendor / "archives").mkdir()
    (vendor / "marker.csv").symlink_to(outside / "marker.csv")
    (vendor / "passwd.csv").symlink_to("/etc/passwd")
    (vendor / "dangling.csv").symlink_to(intake / "nowhere.csv")
    (vendor / "folder").symlink_to(outside)
    (vendor / "a").symlink_to(vendor / "b")
    (vendor / "b").symlink_to(vendor / "a")
    (vendor / "archives" / "old.csv").symlink_to(outside / "marker.csv")
    (vendor / "profile.yaml").symlink_to(outside / "marker.csv")
    (vendor / ".hidden.csv").symlink_to(outside / "marker.csv")       # hidden names stay skipped
    files, strays = discover(str(intake))
    assert [f.path for f in files] == ["savonnerie/catalogue.csv"]
    assert _refused(strays) == {f"savonnerie/{name}": ("savonnerie", *LINK) for name in (
        "a", "archives/old.csv", "b", "dangling.csv", "folder", "marker.csv", "passwd.csv", "profile.yaml")}
    assert strays[0].url == f"{intake}/savonnerie/a"


def test_a_vendor_folder_that_is_a_link_is_refused_whole(intake: Path, outside: Path) -> None:
    (outside / "sub").mkdir()
    (outside / "sub" / "deep.csv").write_bytes(MARKER)
    (intake / "complice").symlink_to(outside, target_is_directory=True)
    files, strays = discover(str(intake))
    assert [f.path for f in files] == ["savonnerie/catalogue.csv"]
    assert strays == [StrayFile("complice", f"{intake}/complice", *LINK, vendor_id="complice")]


def test_a_link_at_the_root_to_a_file_belongs_to_no_vendor(intake: Path, outside: Path) -> None:
    (intake / "notes.csv").symlink_to(outside / "marker.csv")
    (intake / "loop").symlink_to(intake / "loop")
    _, strays = discover(str(intake))
    assert _refused(strays) == {"loop": (None, *LINK), "notes.csv": (None, *LINK)}


def test_a_fifo_is_quarantined_and_discovery_does_not_block_on_it(intake: Path) -> None:
    os.mkfifo(intake / "savonnerie" / "pipe.csv")
    os.mkfifo(intake / "pipe.csv")
    files, strays = _call_with_timeout(discover, str(intake))
    assert [f.path for f in files] == ["savonnerie/catalogue.csv"]
    assert _refused(strays) == {"pipe.csv": (None, *SPECIAL), "savonnerie/pipe.csv": ("savonnerie", *SPECIAL)}


def test_links_and_special_files_listed_by_fsspec_are_refused_too(intake: Path, outside: Path) -> None:
    (intake / "savonnerie" / "marker.csv").symlink_to(outside / "marker.csv")
    os.mkfifo(intake / "savonnerie" / "pipe.csv")
    kinds = {entry.path: entry.kind for entry in _fsspec_listing(LocalFileSystem(), str(intake))}
    assert kinds == {"savonnerie/catalogue.csv": "file", "savonnerie/marker.csv": "link",
                     "savonnerie/pipe.csv": "special"}


def test_names_leading_outside_the_vendor_folder_are_quarantined(memory_intake: str) -> None:
    fs = fsspec.filesystem("memory")
    for key in ("savonnerie/../moulin/tarifs.csv", "savonnerie/../../secret.csv", "savonnerie/./x.csv",
                "/etc/passwd", "_archive/../x.csv"):
        fs.pipe(f"{memory_intake}/{key}", MARKER)
    files, strays = discover(memory_intake)
    assert [(f.vendor_id, f.path) for f in files] == [(v, p) for v, p, _ in EXPECTED_FILES]
    outside_reason = (OUTSIDE_REASON_FR, OUTSIDE_REASON_EN)
    assert _refused(strays) == {
        "/etc/passwd": (None, *outside_reason), "_archive/../x.csv": ("_archive", *outside_reason),
        "savonnerie/../../secret.csv": ("savonnerie", *outside_reason),
        "savonnerie/../moulin/tarifs.csv": ("savonnerie", *outside_reason),
        "savonnerie/./x.csv": ("savonnerie", *outside_reason),
        "notes.csv": (None, "Fichier déposé à la racine du dépôt, hors de tout dossier fournisseur : "
                            "impossible de savoir à quel fournisseur il appartient.",
                      "File dropped at the root of the intake, outside any vendor folder: "
                      "there is no telling which vendor it belongs to.")}


def _read_all(file: IntakeFile) -> bytes:
    with open_file(file) as source:
        return source.read()


READERS = [read_bytes, file_sha256, _read_all]


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_a_file_replaced_by_a_link_after_discovery_is_not_read(intake: Path, outside: Path, reader) -> None:
    [file], _ = discover(str(intake))
    sheet = intake / file.path
    sheet.unlink()
    sheet.symlink_to(outside / "marker.csv")
    with pytest.raises(NotARegularFile) as refused:
        reader(file)
    assert (refused.value.reason_fr, refused.value.reason_en) == LINK
    assert isinstance(refused.value, UnreadableSheet)          # what process_file quarantines a file for


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_a_vendor_folder_replaced_by_a_link_after_discovery_is_not_read(intake: Path, outside: Path,
                                                                        reader) -> None:
    [file], _ = discover(str(intake))
    (intake / "savonnerie").rename(intake / ".old")
    (outside / "catalogue.csv").write_bytes(MARKER)
    (intake / "savonnerie").symlink_to(outside, target_is_directory=True)
    with pytest.raises(NotARegularFile) as refused:
        reader(file)
    assert (refused.value.reason_fr, refused.value.reason_en) == LINK


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_a_file_replaced_by_a_fifo_after_discovery_is_not_read_nor_waited_on(intake: Path, reader) -> None:
    [file], _ = discover(str(intake))
    (intake / file.path).unlink()
    os.mkfifo(intake / file.path)
    with pytest.raises(NotARegularFile) as refused:
        _call_with_timeout(reader, file)
    assert (refused.value.reason_fr, refused.value.reason_en) == SPECIAL


def test_a_regular_file_is_read_whole_and_in_pieces(intake: Path) -> None:
    [file], _ = discover(str(intake))
    data = (intake / file.path).read_bytes()
    assert read_bytes(file) == _read_all(file) == data
    assert file_sha256(file, block_bytes=3) == hashlib.sha256(data).hexdigest()


def test_a_file_outside_an_intake_layout_is_still_read(tmp_path: Path) -> None:
    """IntakeFiles made by hand (its path not the end of its url) are opened by their last name alone."""
    (tmp_path / "sheet.csv").write_bytes(b"x")
    assert read_bytes(IntakeFile("savonnerie", "savonnerie/tarifs.csv", str(tmp_path / "sheet.csv"), 1)) == b"x"
