import os
from pathlib import Path

import pytest

from pipeline.load.publish import FeedFolder, OutputUnavailable


def _publish(out, date, files: dict[str, bytes]) -> str:
    folder = FeedFolder(str(out), date)
    for name, data in files.items():
        folder.write(name, data)
    return folder.commit(b'{"ok": true}\n')


def test_folder_appears_only_on_commit(tmp_path):
    folder = FeedFolder(str(tmp_path), "2026-11-20")
    folder.write("rejects.csv", b"a\r\n")
    assert not (tmp_path / "2026-11-20").exists()
    folder.commit(b"{}")
    assert (tmp_path / "2026-11-20" / "rejects.csv").read_bytes() == b"a\r\n"
    assert (tmp_path / "2026-11-20" / "manifest.json").read_bytes() == b"{}"


def test_rerun_replaces_the_folder_and_leaves_no_old_version(tmp_path):
    _publish(tmp_path, "2026-11-20", {"a.csv": b"old", "gone.csv": b"x"})
    _publish(tmp_path, "2026-11-20", {"a.csv": b"new"})
    day = tmp_path / "2026-11-20"
    assert (day / "a.csv").read_bytes() == b"new"
    assert not (day / "gone.csv").exists()
    assert len(list((tmp_path / ".versions").iterdir())) == 1


def test_an_abandoned_run_leaves_the_previous_feed(tmp_path):
    _publish(tmp_path, "2026-11-20", {"a.csv": b"old"})
    killed = FeedFolder(str(tmp_path), "2026-11-20")
    killed.write("a.csv", b"half")
    assert (tmp_path / "2026-11-20" / "a.csv").read_bytes() == b"old"
    _publish(tmp_path, "2026-11-20", {"a.csv": b"new"})
    assert [p.name for p in (tmp_path / ".versions").iterdir()] == [os.path.basename(
        os.path.realpath(tmp_path / "2026-11-20"))]


def test_written_files_record_their_sha256(tmp_path):
    folder = FeedFolder(str(tmp_path), "2026-11-20")
    written = folder.write("a.csv", b"abc", rows=1)
    assert written.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert folder.written == [written]


@pytest.mark.parametrize("url", ["local", "memory://feeds-threads"])
def test_files_written_at_once_are_listed_in_the_order_given(tmp_path, url):
    import hashlib
    import time

    def slow(path: str) -> None:                # finishes last though given first
        time.sleep(0.2)
        Path(path).write_bytes(b"slow")

    folder = FeedFolder(str(tmp_path) if url == "local" else url, "2026-11-20")
    done = folder.write_all([("slow.csv", slow, 1), ("fast.csv", b"fast", 2), ("empty.csv", b"", 0)], threads=3)
    assert [f.name for f in folder.written] == ["slow.csv", "fast.csv", "empty.csv"] and folder.written == done
    assert [f.sha256 for f in done] == [hashlib.sha256(data).hexdigest() for data in (b"slow", b"fast", b"")]
    assert [f.rows for f in done] == [1, 2, 0]


def test_object_store_writes_manifest_last(tmp_path):
    import fsspec

    url = "memory://feeds-test"
    _publish(url, "2026-11-20", {"a.csv": b"one"})
    fs = fsspec.filesystem("memory")
    folder = FeedFolder(url, "2026-11-20")
    assert fs.exists("/feeds-test/2026-11-20/manifest.json")   # nothing written yet: the old feed stands
    folder.write("a.csv", b"two")                               # the first write removes the commit marker
    assert not fs.exists("/feeds-test/2026-11-20/manifest.json")
    folder.commit(b"{}")
    assert fs.cat_file("/feeds-test/2026-11-20/a.csv") == b"two"
    assert fs.exists("/feeds-test/2026-11-20/manifest.json")


def test_unwritable_output_is_reported(tmp_path):
    blocker = Path(tmp_path, "file")
    blocker.write_text("x")
    with pytest.raises(OutputUnavailable, match="cannot write to output"):
        FeedFolder(str(blocker / "sub"), "2026-11-20")
