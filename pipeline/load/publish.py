"""Publishes one run's output folder `<out>/<date>/` atomically, on a local disk or any fsspec URL.

Local disk: files are written into a hidden version folder `<out>/.versions/<date>.<token>/`, then the
symlink `<out>/<date>` is swapped to it with one atomic rename, so a reader sees the old folder or the
new one, never a mixture, even if the process is killed at any moment. Object stores have no rename:
the old `manifest.json` is removed first, the files are written, and `manifest.json` is written last,
so the manifest is the commit marker.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

MANIFEST = "manifest.json"
VERSIONS = ".versions"


class OutputUnavailable(RuntimeError):
    """The output location cannot be written."""


@dataclass
class WrittenFile:
    name: str
    sha256: str
    rows: int | None


@dataclass
class FeedFolder:
    """Collects the files of one run's folder; `commit()` makes them visible at once."""

    out_url: str
    run_date: str
    storage_options: dict = field(default_factory=dict)
    written: list[WrittenFile] = field(default_factory=list)

    def __post_init__(self) -> None:
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.out_url, **self.storage_options)
            self.fs.makedirs(self.root, exist_ok=True)
        except Exception as exc:  # noqa: BLE001 - any backend error means the output is unusable
            raise OutputUnavailable(f"cannot write to output {self.out_url!r}: {exc}") from exc
        self.local = isinstance(self.fs, LocalFileSystem)
        token = uuid.uuid4().hex[:12]
        if self.local:
            self.staging = f"{self.root}/{VERSIONS}/{self.run_date}.{token}"
            self.fs.makedirs(self.staging, exist_ok=True)
        else:
            self.staging = f"{self.root}/{self.run_date}"

    @property
    def final_path(self) -> str:
        """The published folder: a local path, or a URL (with its protocol) on any other filesystem."""
        path = f"{self.root}/{self.run_date}"
        return path if self.local else self.fs.unstrip_protocol(path)

    def write(self, name: str, payload: bytes | Callable[[str], None], rows: int | None = None) -> WrittenFile:
        """Write one file: `payload` is its bytes, or a function that writes to a path it is given."""
        return self.write_all([(name, payload, rows)])[0]

    def write_all(self, files: list[tuple[str, bytes | Callable[[str], None], int | None]], threads: int = 1
                  ) -> list[WrittenFile]:
        """write() of each (name, payload, rows), up to `threads` at once (Arrow's writers, copying and hashing
        leave Python's lock to the others); the files are listed in the order given."""
        if not self.local and not self.written and any(name != MANIFEST for name, _, _ in files):
            self._withdraw_manifest()
        if threads > 1 and len(files) > 1:
            if not self.local:
                self._scratch()                 # made once, before the threads share it
            with ThreadPoolExecutor(min(threads, len(files)), thread_name_prefix="feed-file") as pool:
                done = list(pool.map(lambda file: self._write_file(*file), files))
        else:
            done = [self._write_file(*file) for file in files]
        self.written += [file for file in done if file.name != MANIFEST]
        return done

    def _write_file(self, name: str, payload: bytes | Callable[[str], None], rows: int | None) -> WrittenFile:
        target = f"{self.staging}/{name}"
        if "/" in name:
            self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        if callable(payload):
            if self.local:
                payload(target)
            else:
                tmp = Path(self._scratch()) / name
                payload(str(tmp))
                self.fs.put_file(str(tmp), target)
                tmp.unlink()
        else:
            with self.fs.open(target, "wb") as fh:
                fh.write(payload)
        digest = hashlib.sha256(payload).hexdigest() if isinstance(payload, bytes) else self._sha256_of(target)
        return WrittenFile(name, digest, rows)

    def _sha256_of(self, path: str) -> str:
        """sha256 of a written file, read back a block at a time."""
        with self.fs.open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()

    def commit(self, manifest: bytes) -> str:
        """Write the manifest last and make the folder visible; returns the folder's path or URL."""
        self.write(MANIFEST, manifest)
        if self.local:
            self._swap_symlink()
        return self.final_path

    def _withdraw_manifest(self) -> None:
        """Object stores: the first file of a new version removes the old commit marker."""
        if self.fs.exists(f"{self.staging}/{MANIFEST}"):
            self.fs.rm(f"{self.staging}/{MANIFEST}")

    def abandon(self) -> None:
        if self.local:
            shutil.rmtree(self.staging, ignore_errors=True)

    def _swap_symlink(self) -> None:
        link = Path(self.final_path)
        target = os.path.relpath(self.staging, link.parent)
        previous = os.path.realpath(link) if link.is_symlink() else None
        if link.exists() and not link.is_symlink():
            # a plain folder from an older layout: move it aside first, then link
            shutil.move(str(link), f"{self.staging}.replaced")
            previous = f"{self.staging}.replaced"
        tmp_link = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}.lnk")
        os.symlink(target, tmp_link)
        os.replace(tmp_link, link)
        current = os.path.realpath(self.staging)
        stale = [previous] if previous else []
        stale += [str(p) for p in Path(self.root, VERSIONS).glob(f"{self.run_date}.*")]
        for folder in stale:
            if os.path.realpath(folder) != current:
                shutil.rmtree(folder, ignore_errors=True)

    def _scratch(self) -> str:
        import tempfile

        if not hasattr(self, "_scratch_dir"):
            self._scratch_dir = tempfile.mkdtemp(prefix="eprovence-")
        return self._scratch_dir
