"""Owns the intake (a local folder or any fsspec URL, `<intake>/<vendor_id>/<files>`): which of its entries are
vendor files, and reading their bytes, never through a symbolic link.

Discovery returns the regular files inside vendor folders as IntakeFiles. Every other entry it meets is a
StrayFile, accounted for in the manifest as a quarantined input and never read: a file at the root, a symbolic
link (to a file or a folder, dangling, or a loop; a vendor folder that is one is refused whole), a special file
(FIFO, device, socket), and a listed name that would lead outside its vendor's folder ("..", absolute keys).
A local intake is walked with os.scandir without following any link; other filesystems are listed by fsspec.

Reading a local file opens each folder below the intake root and the file itself with O_NOFOLLOW and refuses
what is not a regular file, so an entry swapped for a link (or a FIFO) after discovery is not read either: it
raises NotARegularFile, an UnreadableSheet, which quarantines just that file. Other filesystems read via fsspec.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import posixpath
import stat
from dataclasses import dataclass
from typing import IO, NamedTuple

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline.extract.profiles import PROFILE_FILE
from pipeline.extract.sniff import UnreadableSheet


@dataclass(frozen=True)
class IntakeFile:
    vendor_id: str      # the folder directly under the intake root, never a value inside the file
    path: str           # posix path relative to the intake root: "<vendor_id>/<name>"
    url: str            # what fsspec opens
    size: int
    modified: str = ""  # last modification as ISO 8601 UTC when the storage tells it: the newest file wins


@dataclass(frozen=True)
class StrayFile:
    """An intake entry that is not read, with the reason: a file outside any vendor folder (nobody can tell which
    vendor it belongs to), a symbolic link, a special file, or a name leading outside its vendor's folder."""

    path: str
    url: str
    reason_fr: str
    reason_en: str
    vendor_id: str | None = None    # the vendor folder holding it (or the vendor folder it is), when there is one


class IntakeUnavailable(RuntimeError):
    """The intake root does not exist or cannot be listed; the message is one line."""


class NotARegularFile(UnreadableSheet):
    """A vendor file found, when opened, to be a symbolic link or a special file: it is not read."""


STRAY_REASON_FR = ("Fichier déposé à la racine du dépôt, hors de tout dossier fournisseur : "
                   "impossible de savoir à quel fournisseur il appartient.")
STRAY_REASON_EN = ("File dropped at the root of the intake, outside any vendor folder: "
                   "there is no telling which vendor it belongs to.")
LINK_REASON_FR, LINK_REASON_EN = "lien symbolique : non lu", "symbolic link: not read"
SPECIAL_REASON_FR = "fichier spécial (FIFO, périphérique) : non lu"
SPECIAL_REASON_EN = "special file (FIFO, device): not read"
OUTSIDE_REASON_FR = "chemin menant hors du dossier du fournisseur (« .. », chemin absolu ou vide) : non lu"
OUTSIDE_REASON_EN = "path leading outside the vendor's folder (\"..\", absolute or empty part): not read"
REFUSED = {"link": (LINK_REASON_FR, LINK_REASON_EN), "folder link": (LINK_REASON_FR, LINK_REASON_EN),
           "special": (SPECIAL_REASON_FR, SPECIAL_REASON_EN), "outside": (OUTSIDE_REASON_FR, OUTSIDE_REASON_EN)}

FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY   # O_NONBLOCK: a FIFO never blocks open


class Listed(NamedTuple):
    """One entry of the intake listing, `kind` being "file", "link", "folder link", "special" or "outside"."""

    path: str           # relative to the intake root, as listed (posix)
    kind: str
    size: int = 0
    modified: str = ""


def discover(intake_url: str, storage_options: dict | None = None
             ) -> tuple[list[IntakeFile], list[StrayFile]]:
    """Every vendor file and every stray entry under the intake, sorted by path. A stray is a file at the root,
    or an entry refused wherever it is: a symbolic link, a special file, a name leading outside its folder.

    Skipped: names starting with "." or "_" (and everything under such folders), and the reserved
    name profile.yaml inside vendor folders.
    """
    base = intake_url.rstrip("/")
    files, strays = [], []
    for entry in _listing(intake_url, storage_options):
        parts = entry.path.split("/")
        if entry.kind != "outside" and any(_hidden(part) for part in parts):
            continue
        url = f"{base}/{entry.path}"
        if entry.kind in REFUSED:
            strays.append(StrayFile(entry.path, url, *REFUSED[entry.kind], _vendor_of(entry, parts)))
        elif len(parts) == 1:
            strays.append(StrayFile(entry.path, url, STRAY_REASON_FR, STRAY_REASON_EN))
        elif parts[-1] != PROFILE_FILE:
            files.append(IntakeFile(parts[0], entry.path, url, entry.size, entry.modified))
    return files, strays


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def _vendor_of(entry: Listed, parts: list[str]) -> str | None:
    """The vendor folder a refused entry belongs to (or is), None at the root or when its name cannot tell."""
    if entry.kind == "folder link":
        return entry.path
    return parts[0] if len(parts) > 1 and parts[0] not in ("", ".", "..") else None


def _listing(intake_url: str, storage_options: dict | None) -> list[Listed]:
    """Every entry under the intake that is not a folder, sorted by path."""
    try:
        fs, root = url_to_fs(intake_url, **(storage_options or {}))
        is_folder = fs.isdir(root)
        listed = _entries(fs, root) if is_folder else []
    except Exception as exc:   # each backend (local, s3fs, gcsfs …) raises its own exception types
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise IntakeUnavailable(f"intake {intake_url} cannot be listed: {reason}") from exc
    if not is_folder:
        raise IntakeUnavailable(f"intake {intake_url} does not exist or is not a folder")
    return sorted(listed)


def _entries(fs, root: str) -> list[Listed]:
    return _local_listing(root) if isinstance(fs, LocalFileSystem) else _fsspec_listing(fs, root)


def _local_listing(root: str) -> list[Listed]:
    """The local intake walked without following links: hidden folders are not entered, links not resolved."""
    listed, folders = [], [""]
    while folders:
        prefix = folders.pop()
        with os.scandir(os.path.join(root, prefix)) as entries:
            for entry in entries:
                if _hidden(entry.name):
                    continue
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    folders.append(f"{prefix}{entry.name}/")
                else:
                    listed.append(Listed(prefix + entry.name, _local_kind(entry, info, at_root=not prefix),
                                         info.st_size, _modified({"mtime": info.st_mtime})))
    return listed


def _local_kind(entry: os.DirEntry, info: os.stat_result, at_root: bool) -> str:
    if stat.S_ISREG(info.st_mode):
        return "file"
    if not stat.S_ISLNK(info.st_mode):
        return "special"
    return "folder link" if at_root and os.path.isdir(entry.path) else "link"   # isdir: False on a loop


def _fsspec_listing(fs, root: str) -> list[Listed]:
    """What fsspec finds under the root; a name not plainly below it ("..", "//", another prefix) is `outside`."""
    root = root.rstrip("/")
    listed = []
    for name, info in fs.find(root, withdirs=False, detail=True).items():
        path = name[len(root) + 1:] if name.startswith(root + "/") else name
        kind = "outside" if path == name or _leaves_folder(path) else _fsspec_kind(info)
        listed.append(Listed(path, kind, int(info.get("size") or 0), _modified(info)))
    return listed


def _leaves_folder(path: str) -> bool:
    return any(part in ("", ".", "..") for part in path.split("/"))


def _fsspec_kind(info: dict) -> str:
    if info.get("islink") or info.get("type") == "link":
        return "link"
    return "file" if info.get("type") in ("file", None) else "special"


def _modified(info: dict) -> str:
    """The modification time fsspec reports (local `mtime`, S3 `LastModified`, GCS `updated`), ISO UTC."""
    value = info.get("mtime") or info.get("LastModified") or info.get("updated") or info.get("created")
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    return str(value or "")


def read_bytes(file: IntakeFile, storage_options: dict | None = None) -> bytes:
    """The file's bytes; raises NotARegularFile for a local file that is now a link or a special file."""
    fs, path = url_to_fs(file.url, **(storage_options or {}))
    if isinstance(fs, LocalFileSystem):
        with _open_regular_local(path, file.path) as source:
            return source.read()
    return fs.cat_file(path)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_file(file: IntakeFile, storage_options: dict | None = None) -> IO[bytes]:
    """The file opened for reading its bytes in pieces; a local one only if it is still a regular file reached
    without any link (NotARegularFile otherwise)."""
    fs, path = url_to_fs(file.url, **(storage_options or {}))
    if isinstance(fs, LocalFileSystem):
        return _open_regular_local(path, file.path)
    return fs.open(path, "rb")


def file_sha256(file: IntakeFile, storage_options: dict | None = None, block_bytes: int = 8 << 20) -> str:
    """sha256_hex of the file's bytes, read a block at a time."""
    digest = hashlib.sha256()
    with open_file(file, storage_options) as source:
        while block := source.read(block_bytes):
            digest.update(block)
    return digest.hexdigest()


def _open_regular_local(local_path: str, relative: str) -> IO[bytes]:
    """`local_path` opened without following a link in its last component nor, when it ends with the file's path
    relative to the intake, in any folder of that path; NotARegularFile for a link or a special file."""
    names = relative.split("/") if local_path.endswith("/" + relative) else [posixpath.basename(local_path)]
    fd = _open_below(local_path[:-len("/".join(names))] or "/", names)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotARegularFile(SPECIAL_REASON_FR, SPECIAL_REASON_EN)
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _open_below(root: str, names: list[str]) -> int:
    """A descriptor of root/names[0]/…/names[-1], each name opened in its folder without following a link."""
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names[:-1]:
            inner = _open_in(folder, name, FOLDER_FLAGS)
            os.close(folder)
            folder = inner
        return _open_in(folder, names[-1], FILE_FLAGS)
    finally:
        os.close(folder)


def _open_in(folder: int, name: str, flags: int) -> int:
    """os.open of `name` in `folder` with O_NOFOLLOW; NotARegularFile when it failed because `name` is a link
    (ELOOP for a file, ENOTDIR for a folder on Linux, EMLINK on BSD)."""
    try:
        return os.open(name, flags, dir_fd=folder)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) and _is_link(folder, name):
            raise NotARegularFile(LINK_REASON_FR, LINK_REASON_EN) from exc
        raise


def _is_link(folder: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=folder).st_mode)
    except OSError:
        return False
