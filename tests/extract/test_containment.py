"""pipeline/extract/containment.py: a file's reading in a child process, stopped at its memory or time limit."""
from __future__ import annotations

import os
import time

import pytest

from pipeline.extract.containment import ContainedReader, Limits, run_contained

LIMITS = Limits(memory_mib=256, seconds=5)


def test_work_that_finishes_is_not_stopped(tmp_path):
    marker = tmp_path / "done"
    assert run_contained(lambda: marker.write_text("yes"), LIMITS) is None
    assert marker.read_text() == "yes"                    # the child's files stay: the parent reads them after


def test_work_past_the_memory_limit_is_stopped_and_says_so():
    stopped = run_contained(lambda: bytearray(2 << 30), LIMITS)
    assert stopped is not None and "256 Mio" in stopped.reason_fr and "256 MiB" in stopped.reason_en


def test_work_past_the_time_limit_is_killed():
    start = time.monotonic()
    stopped = run_contained(lambda: time.sleep(60), Limits(memory_mib=256, seconds=0.5))
    assert stopped is not None and "0.5 s" in stopped.reason_en and "time limit" in stopped.reason_en
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("crash", [os.abort, lambda: os.kill(os.getpid(), 9)])
def test_a_crash_of_the_reader_stops_only_that_work(crash):
    stopped = run_contained(crash, LIMITS)
    assert stopped is not None and stopped.reason_fr and stopped.reason_en
    assert run_contained(lambda: None, LIMITS) is None       # the parent goes on


def test_an_exception_is_an_internal_error():
    stopped = run_contained(lambda: 1 / 0, LIMITS)
    assert stopped is not None and "internal error" in stopped.reason_en


def test_the_environment_overrides_the_configured_limits():
    config = {"reader": {"memory_mib": 1024, "seconds": 120}}
    assert Limits.from_config(config, {}) == Limits(1024, 120.0)
    assert Limits.from_config(config, {"EPROVENCE_READER_MEMORY_MIB": "300", "EPROVENCE_READER_SECONDS": "9"}) == \
        Limits(300, 9.0)


def _note_pid(path) -> None:
    with open(path, "a") as out:
        out.write(f"{os.getpid()}\n")


def _allocate(size: int) -> None:
    globals().setdefault("_kept", []).append(bytearray(size))     # kept: the child grows


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _fail() -> None:
    raise ValueError("boom")


def _pids(path) -> list[str]:
    return path.read_text().split()


@pytest.fixture
def reader():
    contained = ContainedReader(LIMITS)
    yield contained
    contained.close()


def test_a_reader_runs_job_after_job_in_one_child(tmp_path, reader):
    log = tmp_path / "pids"
    assert [reader.run(_note_pid, log) for _ in range(3)] == [None, None, None]
    pids = _pids(log)
    assert len(pids) == 3 and len(set(pids)) == 1 and pids[0] != str(os.getpid())


def test_a_job_past_the_memory_limit_is_stopped_and_the_next_runs_in_a_fresh_child(tmp_path, reader):
    log = tmp_path / "pids"
    assert reader.run(_note_pid, log) is None
    stopped = reader.run(_allocate, 2 << 30)
    assert stopped is not None and "256 MiB" in stopped.reason_en
    assert reader.run(_note_pid, log) is None
    assert len(set(_pids(log))) == 2


def test_a_job_stopped_after_others_is_run_again_with_the_whole_allowance(tmp_path, reader):
    """The child has kept 100 MiB of an earlier job: a job needing 200 MiB of the 256 allowed fails there, and is
    run once more in a fresh child, where it fits."""
    assert reader.run(_allocate, 100 << 20) is None
    assert reader.run(_allocate, 200 << 20) is None


def test_a_child_past_half_its_allowance_retires_after_its_job(tmp_path, reader):
    log = tmp_path / "pids"
    assert reader.run(_note_pid, log) is None
    assert reader.run(_allocate, 150 << 20) is None       # past 128 MiB: that child ends
    assert reader.run(_note_pid, log) is None
    assert len(set(_pids(log))) == 2


def test_a_job_past_the_time_limit_is_killed_and_the_reader_goes_on(tmp_path):
    contained = ContainedReader(Limits(memory_mib=256, seconds=0.5))
    try:
        stopped = contained.run(_sleep, 60)
        assert stopped is not None and "0.5 s" in stopped.reason_en
        assert contained.run(_note_pid, tmp_path / "pids") is None
    finally:
        contained.close()


def test_a_job_that_raises_is_an_internal_error_and_the_reader_goes_on(tmp_path, reader):
    stopped = reader.run(_fail)
    assert stopped is not None and "internal error" in stopped.reason_en
    assert reader.run(_note_pid, tmp_path / "pids") is None
