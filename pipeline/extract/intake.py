"""Finds the vendor files in the intake (a local folder or any fsspec URL) and reads their bytes."""
from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
from dataclasses import dataclass
from typing import IO

from fsspec.core import url_to_fs

from pipeline.extract.profiles import PROFILE_FILE


@dataclass(frozen=True)
class IntakeFile:
    vendor_id: str      # the folder directly under the intake root, never a value inside the file
    path: str           # posix path relative to the intake root: "<vendor_id>/<name>"
    url: str            # what fsspec opens
    size: int
    modified: str = ""  # last modification as ISO 8601 UTC when the storage tells it: the newest file wins


@dataclass(frozen=True)
class StrayFile:
    """A file outside any vendor folder: nobody can tell which vendor it belongs to."""

    path: str
    url: str
    reason_fr: str
    reason_en: str


class IntakeUnavailable(RuntimeError):
    """The intake root does not exist or cannot be listed; the message is one line."""


STRAY_REASON_FR = ("Fichier déposé à la racine du dépôt, hors de tout dossier fournisseur : "
                   "impossible de savoir à quel fournisseur il appartient.")
STRAY_REASON_EN = ("File dropped at the root of the intake, outside any vendor folder: "
                   "there is no telling which vendor it belongs to.")


def discover(intake_url: str, storage_options: dict | None = None
             ) -> tuple[list[IntakeFile], list[StrayFile]]:
    """Every vendor file and every stray file under the intake, sorted by path.

    Skipped: names starting with "." or "_" (and everything under such folders), and the reserved
    name profile.yaml inside vendor folders.
    """
    base = intake_url.rstrip("/")
    files, strays = [], []
    for path, size, modified in _listing(intake_url, storage_options):
        parts = path.split("/")
        if any(part.startswith((".", "_")) for part in parts):
            continue
        url = f"{base}/{path}"
        if len(parts) == 1:
            strays.append(StrayFile(path, url, STRAY_REASON_FR, STRAY_REASON_EN))
        elif parts[-1] != PROFILE_FILE:
            files.append(IntakeFile(parts[0], path, url, size, modified))
    return files, strays


def _listing(intake_url: str, storage_options: dict | None) -> list[tuple[str, int, str]]:
    """(path relative to the root, size, modified) of every file under the intake, sorted."""
    try:
        fs, root = url_to_fs(intake_url, **(storage_options or {}))
        is_folder = fs.isdir(root)
        found = fs.find(root, withdirs=False, detail=True) if is_folder else {}
    except Exception as exc:   # each backend (local, s3fs, gcsfs …) raises its own exception types
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise IntakeUnavailable(f"intake {intake_url} cannot be listed: {reason}") from exc
    if not is_folder:
        raise IntakeUnavailable(f"intake {intake_url} does not exist or is not a folder")
    root = posixpath.normpath(root)
    return sorted((posixpath.relpath(posixpath.normpath(name), root), int(info.get("size") or 0), _modified(info))
                  for name, info in found.items())


def _modified(info: dict) -> str:
    """The modification time fsspec reports (local `mtime`, S3 `LastModified`, GCS `updated`), ISO UTC."""
    value = info.get("mtime") or info.get("LastModified") or info.get("updated") or info.get("created")
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    return str(value or "")


def read_bytes(file: IntakeFile, storage_options: dict | None = None) -> bytes:
    fs, path = url_to_fs(file.url, **(storage_options or {}))
    return fs.cat_file(path)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_file(file: IntakeFile, storage_options: dict | None = None) -> IO[bytes]:
    """The file opened for reading its bytes in pieces."""
    fs, path = url_to_fs(file.url, **(storage_options or {}))
    return fs.open(path, "rb")


def file_sha256(file: IntakeFile, storage_options: dict | None = None, block_bytes: int = 8 << 20) -> str:
    """sha256_hex of the file's bytes, read a block at a time."""
    digest = hashlib.sha256()
    with open_file(file, storage_options) as source:
        while block := source.read(block_bytes):
            digest.update(block)
    return digest.hexdigest()
