"""A night of hostile vendor files (tests/hostile/make_hostile.py: over forty cases, each in its own vendor folder
beside a good sheet) run by `eprovence run` under a 3 GiB address-space cap: one bad file never stops the night.

The run completes (exit 0, no traceback), publishes a feed that passes the independent check, accounts for every
row, publishes every good product, and leaks nothing from outside the intake (the marker behind a link, /etc/passwd)
into any output. Every check is made and every failure reported at once, with the manifest's inputs printed
(`pytest -s` shows them, and the run's wall time and peak memory)."""
from __future__ import annotations

import collections
import csv
import hashlib
import importlib.util
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.hostile.make_hostile import MARKER_SKU, MARKER_TEXT, write_hostile_intake, write_translations

DAY = "2026-11-01"                   # a Sunday: priced at Friday 2026-10-30, the newest rate shipped offline
ADDRESS_SPACE_CAP = 3 * 1024 ** 3    # bytes of address space `prlimit --as` grants the run and all it starts
TIMEOUT_SECONDS = 900
PRLIMIT = Path("/usr/bin/prlimit")
EPROVENCE = Path(sys.executable).with_name("eprovence")
PASSWD = Path("/etc/passwd")
PASSWD_LINE = "root:x:0:0"
LEAKS = (MARKER_SKU, PASSWD_LINE)
# text that must never be published: UTF-8 read as cp1252 or Latin-1, replacement characters, controls, bidi
# overrides, scripts
MOJIBAKE = re.compile("Ã[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|(?<!\\w)Ã(?!\\w)|Â[\u00a0-\u00bf]|â€|\ufffd")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SCRIPT = re.compile(r"<\s*script|javascript:|onerror\s*=", re.IGNORECASE)


@pytest.mark.slow
def test_a_night_of_hostile_files_publishes_every_good_product_and_leaks_nothing(tmp_path, shared_dir):
    """Every hostile file costs itself alone: the run ends, the feed is whole and checked, each good product is
    published, every row is accounted for, and nothing outside the intake reaches an output."""
    if not PRLIMIT.exists():
        pytest.skip("/usr/bin/prlimit is absent")
    intake, out, state = tmp_path / "intake", tmp_path / "out", tmp_path / "state.db"
    cases = write_hostile_intake(intake)
    _import_translations(tmp_path / "translations.csv", state)
    run, seconds, peak_mib = _run_capped(intake, out, state)
    print(f"\nhostile intake: {len(cases)} cases; eprovence run: exit {run.returncode}, {seconds:.1f} s wall, "
          f"peak RSS {peak_mib:.0f} MiB (largest child process)")
    failures = {"exit code": [] if run.returncode == 0 else [f"exit {run.returncode}: {run.stderr[-3000:]}"],
                "traceback": [line for line in (run.stdout + run.stderr).splitlines() if "Traceback" in line]}
    folder = out / DAY
    assert (folder / "manifest.json").exists(), _report({**failures, "feed": ["no manifest.json published"]})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    print(_inputs_report(manifest, folder))
    published = _published_skus(folder)
    failures |= {"check_feed.py": _feed_check(shared_dir, folder),
                 "accounting": _unaccounted(manifest),
                 "good products unpublished": _unpublished(cases, "good_skus", published),
                 "hostile files' good products unpublished": _unpublished(cases, "also_good_skus", published),
                 "leaks from outside the intake": _leaks(out, manifest),
                 "garbled, control or script text published or sent for translation": _unclean_feed(folder)}
    failing = {check: found for check, found in failures.items() if found}
    assert not failing, _report(failing)


def _published_skus(folder: Path) -> set[str]:
    feed = folder / "tmall_upload.parquet"
    return set(pq.read_table(feed, columns=["sku"]).column("sku").to_pylist()) if feed.exists() else set()


def _import_translations(path: Path, state: Path) -> None:
    """The good titles' Chinese, imported as approved memory entries: good rows publish, none waits."""
    write_translations(path)
    imported = subprocess.run([str(EPROVENCE), "tm", "import", str(path), "--state", str(state)],
                              capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr


def _run_capped(intake: Path, out: Path, state: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """`eprovence run` under `prlimit --as`; the completed process, its wall time in seconds and the peak resident
    memory of the largest child this test process has waited for, in MiB (run this test alone for the run's own)."""
    command = [str(PRLIMIT), f"--as={ADDRESS_SPACE_CAP}", "--", str(EPROVENCE), "run", "--intake", str(intake),
               "--out", str(out), "--state", str(state), "--date", DAY, "-q"]
    env = {**os.environ, "EPROVENCE_ECB_REFRESH": "0"}
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               errors="replace", start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)        # the run and every reader it forked
        stdout, stderr = process.communicate()
        pytest.fail(f"eprovence run did not end within {TIMEOUT_SECONDS} s; its last words: {stderr[-2000:]}")
    seconds = time.monotonic() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024     # KiB on Linux
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), seconds, peak_mib


def _feed_check(shared_dir: Path, folder: Path) -> list[str]:
    """The problems ../shared/checks/check_feed.py finds in the published folder."""
    spec = importlib.util.spec_from_file_location("check_feed", shared_dir / "checks" / "check_feed.py")
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    return checker.check(folder)


def _unaccounted(manifest: dict) -> list[str]:
    """rows_in = published + rejected + pending, over the run and for each input (tests/test_run.py's rule)."""
    problems = []
    totals = [manifest[k] for k in ("rows_in", "rows_published", "rows_rejected", "rows_pending")]
    if totals[0] != sum(totals[1:]):
        problems.append(f"rows_in {totals[0]} != published + rejected + pending {totals[1:]}")
    if sum(i["rows"] for i in manifest["inputs"]) != manifest["rows_in"]:
        problems.append(f"inputs' rows add up to {sum(i['rows'] for i in manifest['inputs'])}, "
                        f"rows_in is {manifest['rows_in']}")
    for item in manifest["inputs"]:
        parts = [item.get(k) for k in ("rows_rejected", "rows_pending", "rows_published")]
        if None in parts or item["rows"] != sum(parts):
            problems.append(f"{item['path']}: rows {item['rows']} != rejected + pending + published {parts}")
    return problems


def _unpublished(cases: dict[str, dict], key: str, published: set[str]) -> list[str]:
    """Per case, the SKUs listed under `key` that are not in tmall_upload.parquet."""
    return [f"{name}: {missing}" for name, expected in cases.items()
            if (missing := [sku for sku in expected[key] if sku not in published])]


def _leaks(out: Path, manifest: dict) -> list[str]:
    """Files under `out` holding the marker's SKU or a line of /etc/passwd (as UTF-8 or UTF-16LE bytes, or as a
    value of a Parquet or Arrow table), and the manifest naming the marker's or /etc/passwd's sha256."""
    found = []
    for path in _files_under(out):
        data = path.read_bytes()
        texts = (data.decode("utf-8", errors="ignore"), data.decode("utf-16-le", errors="ignore"),
                 *_table_texts(path))
        found += [f"{path.relative_to(out)} holds {leak!r}" for leak in LEAKS if any(leak in t for t in texts)]
    digests = {"marker": hashlib.sha256(MARKER_TEXT.encode()).hexdigest(),
               "/etc/passwd": hashlib.sha256(PASSWD.read_bytes()).hexdigest() if PASSWD.exists() else None}
    listed = json.dumps(manifest)
    found += [f"the manifest names the sha256 of {what}" for what, digest in digests.items()
              if digest and digest in listed]
    return found


def _files_under(root: Path) -> list[Path]:
    """Every regular file under `root`, links not followed."""
    return sorted(Path(folder, name) for folder, _, names in os.walk(root) for name in names
                  if not Path(folder, name).is_symlink())


def _table_texts(path: Path) -> list[str]:
    """The text cells of a Parquet or Arrow file (compressed pages hide them from a byte search), one string per
    column."""
    if path.suffix not in (".parquet", ".arrow"):
        return []
    table = pq.read_table(path) if path.suffix == ".parquet" else _arrow_table(path)
    columns = [_text_column(table.column(name)) for name in table.column_names]
    return ["\n".join(str(value) for value in column.to_pylist()) for column in columns if column is not None]


def _arrow_table(path: Path) -> pa.Table:
    try:
        return pa.ipc.open_file(path).read_all()
    except pa.ArrowInvalid:
        return pa.ipc.open_stream(path).read_all()


def _text_column(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) else None


def _unclean_feed(folder: Path) -> list[str]:
    """Cells of the published feed (tmall_upload.parquet) holding mojibake, control characters or bidi overrides,
    or a script; the same in tmall_upload.csv's text; and mojibake sent for translation (pending_translation.csv,
    in the published folder: what merchandisers translate and the next run publishes)."""
    found = []
    if not (folder / "tmall_upload.parquet").exists() or not (folder / "tmall_upload.csv").exists():
        return found                                   # check_feed.py tells they are missing
    table = pq.read_table(folder / "tmall_upload.parquet")
    for name in table.column_names:
        column = _text_column(table.column(name))
        if column is None:
            continue
        for pattern in (MOJIBAKE, CONTROL, SCRIPT):
            hits = [value for value in column.to_pylist() if value and pattern.search(value)]
            found += [f"tmall_upload.parquet {name}: {value!r:.120}" for value in hits[:3]]
    text = (folder / "tmall_upload.csv").read_bytes()[2:].decode("utf-16-le", errors="replace").replace("\t", " ")
    text = text.replace("\r\n", " ")
    for pattern in (MOJIBAKE, CONTROL, SCRIPT):
        found += [f"tmall_upload.csv: {match.group()!r} in …{text[max(0, match.start() - 40):match.end() + 40]!r}"
                  for match in list(pattern.finditer(text))[:3]]
    if (folder / "pending_translation.csv").exists():
        pending = (folder / "pending_translation.csv").read_text(encoding="utf-8-sig", errors="replace")
        found += [f"pending_translation.csv: {line!r:.120}" for line in pending.splitlines() if MOJIBAKE.search(line)]
    return found


def _inputs_report(manifest: dict, folder: Path) -> str:
    """One line per input of the manifest (status, counts, error) with the rules of its rejects."""
    rules = collections.defaultdict(collections.Counter)
    if (folder / "rejects.csv").exists():
        with (folder / "rejects.csv").open(encoding="utf-8-sig", newline="") as rejects:
            for reject in csv.DictReader(rejects):
                rules[reject["source_file"]][reject["rule"]] += 1
    lines = [f"rows_in {manifest['rows_in']} = published {manifest['rows_published']} + rejected "
             f"{manifest['rows_rejected']} + pending {manifest['rows_pending']}"]
    for item in manifest["inputs"]:
        counts = "/".join(str(item.get(k)) for k in ("rows", "rows_rejected", "rows_pending", "rows_published"))
        error = f" error: {' '.join(str(item['error']).split())[:160]}" if item.get("error") else ""
        told = f" rules: {dict(rules[item['path']])}" if rules.get(item["path"]) else ""
        lines.append(f"  {item['path']!r} {item['status']} rows/rejected/pending/published {counts}{error}{told}")
    return "\n".join(lines)


def _report(failing: dict[str, list[str]]) -> str:
    return "\n".join(f"{check} ({len(found)}):\n" + "\n".join(f"  - {line}" for line in found[:40])
                     for check, found in failing.items())
