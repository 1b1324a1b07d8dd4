"""Intake and feeds on s3:// end to end, against moto's S3 server on 127.0.0.1 (the `s3_server` fixture)."""
import datetime as dt
import json
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest

from pipeline.run import run
from pipeline.steps.discover_inputs import discover_inputs
from pipeline.steps.extract_file import extract_file
from pipeline.steps.localize_rows import localize_rows
from pipeline.steps.price_and_map import price_and_map
from pipeline.steps.publish_feed import publish_feed
from pipeline.steps.refresh_rates import refresh_rates
from pipeline.steps.run_context import RunContext

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "intake"
ONE_VENDOR = "lavande-des-hautes-bastides"
DAY = dt.date(2026, 11, 1)   # a Sunday: priced at Friday 2026-10-30, the newest rate shipped offline
FEED_FILES = {"tmall_upload.csv", "tmall_upload.parquet", "rejects.csv", "pending_translation.csv",
              "validated_products.parquet", "manifest.json"}


def _reader(s3_server):
    """An s3fs filesystem of its own, without listing cache: it sees what the server holds right now."""
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **s3_server.storage_options)


def _upload(s3_server, local: Path, url: str) -> None:
    _reader(s3_server).put(f"{local}/", f"{url}/", recursive=True)


def _files(fs, folder: str) -> dict[str, bytes]:
    return {PurePosixPath(path).name: fs.cat_file(path) for path in fs.find(folder)}


def _without_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """The feed files proper: the manifest also records how long each step took."""
    return {name: data for name, data in files.items() if name != "manifest.json"}


def _run_on_s3(s3_server, root: str, state: Path):
    return run(f"{root}/intake", f"{root}/feeds", str(state), DAY, storage_options=s3_server.storage_options)


@pytest.fixture(scope="module")
def samples_on_s3(s3_server, tmp_path_factory):
    """The sample intake uploaded to S3 and run there once. Module scope is set up before the autouse
    `offline_rates` fixture, so the run sets the same variable itself."""
    root = f"s3://{s3_server.bucket}/samples"
    _upload(s3_server, SAMPLES, f"{root}/intake")
    state = tmp_path_factory.mktemp("s3-state") / "state.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EPROVENCE_ECB_REFRESH", "0")
        summary = _run_on_s3(s3_server, root, state)
    return SimpleNamespace(root=root, state=state, summary=summary,
                           files=_files(_reader(s3_server), f"{root}/feeds/{DAY}"))


@pytest.mark.slow
def test_samples_published_on_s3_equal_the_same_run_on_local_disk(samples_on_s3, s3_server, tmp_path):
    published = samples_on_s3
    assert published.summary.folder == f"{published.root}/feeds/{DAY}"
    assert set(published.files) == FEED_FILES
    manifest = json.loads(published.files["manifest.json"])
    assert manifest == published.summary.manifest
    assert {i["status"] for i in manifest["inputs"]} == {"processed"} and len(manifest["inputs"]) == 5
    assert manifest["rows_published"] > 0 and not published.summary.listings.empty
    assert not _reader(s3_server).exists(f"{published.root}/feeds/.work/{DAY}")

    shutil.copytree(SAMPLES, tmp_path / "intake")
    local = run(str(tmp_path / "intake"), str(tmp_path / "feeds"), str(tmp_path / "state.db"), DAY)
    on_disk = {p.name: p.read_bytes() for p in Path(local.folder).iterdir()}
    assert set(on_disk) == FEED_FILES
    assert _without_manifest(published.files) == _without_manifest(on_disk)


@pytest.mark.slow
def test_the_feed_downloaded_from_s3_passes_the_independent_feed_check(samples_on_s3, s3_server, shared_dir,
                                                                      tmp_path):
    _reader(s3_server).get(f"{samples_on_s3.summary.folder}/", f"{tmp_path}/feed/", recursive=True)
    assert {p.name for p in (tmp_path / "feed").iterdir()} == FEED_FILES
    checker = shared_dir / "checks" / "check_feed.py"
    check = subprocess.run([sys.executable, str(checker), str(tmp_path / "feed")], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.slow
def test_a_rerun_of_the_date_on_s3_gives_the_same_files(samples_on_s3, s3_server):
    again = _run_on_s3(s3_server, samples_on_s3.root, samples_on_s3.state)
    fs = _reader(s3_server)
    files = _files(fs, again.folder)
    assert files.keys() == FEED_FILES
    assert _without_manifest(files) == _without_manifest(samples_on_s3.files)
    assert not fs.exists(f"{samples_on_s3.root}/feeds/.work/{DAY}")


@contextmanager
def _object_writes(storage_options: dict):
    """(action, key) of every object the pipeline's s3fs client puts or deletes meanwhile, in order."""
    import fsspec

    client = fsspec.filesystem("s3", **storage_options).s3     # the cached instance the pipeline is handed
    writes: list[tuple[str, str]] = []

    def record(model, params, **_):
        if model.name in ("PutObject", "CopyObject", "CompleteMultipartUpload"):
            writes.append(("put", params["Key"]))
        elif model.name == "DeleteObject":
            writes.append(("delete", params["Key"]))
        elif model.name == "DeleteObjects":
            writes.extend(("delete", item["Key"]) for item in params["Delete"]["Objects"])

    client.meta.events.register("before-parameter-build.s3", record)
    try:
        yield writes
    finally:
        client.meta.events.unregister("before-parameter-build.s3", record)


@pytest.mark.slow
def test_a_run_interrupted_before_publishing_leaves_the_feed_and_the_retried_publish_commits_last(
        s3_server, tmp_path):
    root = f"s3://{s3_server.bucket}/interrupted"
    _upload(s3_server, SAMPLES / ONE_VENDOR, f"{root}/intake/{ONE_VENDOR}")
    first = _run_on_s3(s3_server, root, tmp_path / "state.db")
    fs = _reader(s3_server)
    published = _files(fs, first.folder)

    ctx = RunContext(f"{root}/intake", f"{root}/feeds", str(tmp_path / "state.db"), DAY.isoformat(),
                     storage_options=s3_server.storage_options)
    rates_uri = refresh_rates(ctx)
    file_uris = [extract_file(ctx, file) for file in discover_inputs(ctx)]
    localized_uri = localize_rows(ctx, file_uris)
    listings_uri = price_and_map(ctx, localized_uri, rates_uri)
    assert _files(fs, first.folder) == published          # the worker dies here: the feed is untouched

    with _object_writes(s3_server.storage_options) as writes:
        publish_feed(ctx, file_uris, localized_uri, listings_uri, rates_uri)
    folder, manifest = f"interrupted/feeds/{DAY}/", f"interrupted/feeds/{DAY}/manifest.json"   # object keys
    in_folder = [(action, key) for action, key in writes if key.startswith(folder)]
    assert in_folder[0] == ("delete", manifest) and in_folder[-1] == ("put", manifest)
    assert [key for _, key in in_folder].count(manifest) == 2
    assert {PurePosixPath(key).name for action, key in in_folder if action == "put"} == FEED_FILES
    files = _files(fs, first.folder)
    assert files.keys() == FEED_FILES and _without_manifest(files) == _without_manifest(published)
    assert not fs.exists(ctx.work)


def test_a_run_that_fails_before_publishing_keeps_the_published_manifest(s3_server, tmp_path, monkeypatch):
    import pipeline.run

    manifest = f"s3://{s3_server.bucket}/failed/feeds/{DAY}/manifest.json"
    _reader(s3_server).pipe(manifest, b'{"run_date": "2026-11-01"}')

    def rates_unreachable(ctx):
        raise RuntimeError("no usable exchange rate")

    monkeypatch.setattr(pipeline.run, "refresh_rates", rates_unreachable)
    with pytest.raises(RuntimeError, match="no usable exchange rate"):
        _run_on_s3(s3_server, f"s3://{s3_server.bucket}/failed", tmp_path / "state.db")
    assert _reader(s3_server).exists(manifest)
