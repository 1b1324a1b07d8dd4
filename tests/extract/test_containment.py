"""pipeline/extract/containment.py: a file's reading in a child process, stopped at its memory or time limit."""
from __future__ import annotations

import os
import time

import pytest

from pipeline.extract.containment import Limits, run_contained

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
