"""Reads one vendor file in a child process with a memory and a time limit: a file that would take the machine, crash
a library or never end costs that file alone, and the run goes on.

The child is forked from the process that reads (a worker of the run, the CLI itself, or an Airflow task), once that
process has loaded what every reading needs (Great Expectations, its suite, the allocator's first arena): the child
starts at once and shares those pages. Its address space may grow `memory_mib` past what its parent maps (and never
past an address-space limit the parent already has, as `prlimit --as` sets); after `seconds` it is killed. The parent
then tells why the file was not read, in a sentence a vendor understands (French, English). A ContainedReader keeps
its child for file after file (run_contained forks one per call).
"""
from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.parallel import collect_less

log = logging.getLogger("eprovence")
MIB = 1 << 20
MEMORY_EXIT = 3          # the child ran out of the memory it was allowed
ERROR_EXIT = 4           # the child raised (an internal error, logged with its traceback)


@dataclass(frozen=True)
class Limits:
    memory_mib: int
    seconds: float

    @classmethod
    def from_config(cls, limits: dict, environ: Mapping[str, str] = os.environ) -> Limits:
        """config/limits.yaml's `reader` section; EPROVENCE_READER_MEMORY_MIB and EPROVENCE_READER_SECONDS, when
        set, override it (a worker with less memory than the default assumes, a slow disk)."""
        reader = limits["reader"]
        return cls(int(environ.get("EPROVENCE_READER_MEMORY_MIB") or reader["memory_mib"]),
                   float(environ.get("EPROVENCE_READER_SECONDS") or reader["seconds"]))


@dataclass(frozen=True)
class Stopped:
    """Why a file's reading did not finish."""

    reason_fr: str
    reason_en: str

    def __str__(self) -> str:
        return f"{self.reason_fr} / {self.reason_en}"


def address_space() -> int:
    """Bytes this process maps now (its virtual size)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def run_contained(work: Callable[[], Any], limits: Limits) -> Stopped | None:
    """Run `work` in a child forked for it alone under `limits`; None when it finished, else why it did not."""
    child = multiprocessing.get_context("fork").Process(target=_child, args=(work, limits), daemon=True)
    child.start()
    child.join(limits.seconds)
    if child.is_alive():
        child.kill()
        child.join()
        return _time_stop(limits)
    return _why(child.exitcode, limits)


class ContainedReader:
    """Runs jobs, each a module-level function and picklable arguments, one after another in a child process forked
    once (so that what a reading loads and learns on first use is there for the next file), each under `limits`:
    the time limit per job, the memory limit from the child's start. A child that has grown past half its memory
    allowance retires after its job. A job stopped, but by the time limit, in a child that had run others is run
    once more in a fresh child: a file is stopped for its own sake only, with the whole allowance. A child that
    stopped is replaced at the next job."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._child: multiprocessing.Process | None = None
        self._connection = None
        self._jobs = 0                  # jobs the current child has finished

    def run(self, function: Callable[..., Any], *arguments: Any) -> Stopped | None:
        """None when `function(*arguments)` finished in the child, else why it did not."""
        had_run_others = self._child is not None and self._jobs > 0
        stopped = self._run_once(function, arguments)
        if stopped is not None and had_run_others and stopped != _time_stop(self.limits):
            stopped = self._run_once(function, arguments)
        return stopped

    def close(self) -> None:
        """End the child (it leaves when its pipe closes)."""
        if self._connection is not None:
            self._connection.close()
        if self._child is not None:
            self._child.join(5)
            if self._child.is_alive():
                self._child.kill()
                self._child.join()
        self._child, self._connection, self._jobs = None, None, 0

    def _run_once(self, function: Callable[..., Any], arguments: tuple) -> Stopped | None:
        if self._child is None:
            self._start()
        child, connection = self._child, self._connection
        connection.send((function, arguments))
        ready = multiprocessing.connection.wait([connection, child.sentinel], self.limits.seconds)
        retire = None
        if connection in ready:
            try:
                retire = connection.recv()
            except (EOFError, OSError):         # the child ended without answering: a limit, a crash
                retire = None
        if retire is not None:
            self._jobs += 1
            if retire:
                self.close()
            return None
        if not ready:
            child.kill()
        child.join()
        code = child.exitcode
        self.close()
        return _time_stop(self.limits) if not ready else _why(code, self.limits)

    def _start(self) -> None:
        parent_end, child_end = multiprocessing.Pipe()
        child = multiprocessing.get_context("fork").Process(target=_serve, args=(child_end, parent_end, self.limits),
                                                            daemon=True)
        child.start()
        child_end.close()
        self._child, self._connection, self._jobs = child, parent_end, 0


def _time_stop(limits: Limits) -> Stopped:
    return Stopped(f"lecture arrêtée au bout de {limits.seconds:g} s, la limite de temps par fichier",
                   f"reading stopped after {limits.seconds:g} s, the time limit per file")


def _why(code: int | None, limits: Limits) -> Stopped | None:
    if code == 0:
        return None
    if code == MEMORY_EXIT or code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
        return Stopped(f"lecture arrêtée : le fichier demande plus que la limite de {limits.memory_mib} Mio de "
                       "mémoire par fichier (classeur trop grand ou malformé)",
                       f"reading stopped: the file needs more than the {limits.memory_mib} MiB memory limit per file "
                       "(a workbook too large or malformed)")
    if code is not None and code < 0:
        name = _signal_name(-code)
        return Stopped(f"la lecture du fichier s'est interrompue (signal {name})",
                       f"reading the file was interrupted (signal {name})")
    return Stopped("erreur interne pendant la lecture du fichier", "internal error while reading the file")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _cap_address_space(limits: Limits) -> int:
    """Cap this process's address space `memory_mib` past what it maps now (never past a cap it already has);
    returns what it maps now."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    start = address_space()
    cap = start + limits.memory_mib * MIB
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    os.environ["RUST_BACKTRACE"] = "0"          # a Rust reader's abort says one line, not a page of frames
    return start


def _child(work: Callable[[], Any], limits: Limits) -> None:
    """In a one-job child: cap the address space, run `work`, and leave without the parent's exit handlers."""
    _cap_address_space(limits)
    _leave(_job_code(work))


def _serve(connection, parent_end, limits: Limits) -> None:
    """In a ContainedReader's child: run each job received, answer whether it retires (past half its memory
    allowance), until the pipe closes; a job that raises ends the child (its state can no longer be trusted)."""
    parent_end.close()                  # the parent's end, inherited: closed, so that the parent's close ends this
    collect_less()                      # what it inherits is never collected (its pages stay shared), and what it
    #                                     allocates collected as in the run's workers
    start = _cap_address_space(limits)
    while True:
        try:
            function, arguments = connection.recv()
        except (EOFError, OSError):
            _leave(0)
        code = _job_code(function, *arguments)
        if code:
            _leave(code)
        retire = address_space() > start + limits.memory_mib * MIB // 2
        connection.send(retire)
        if retire:
            _leave(0)


def _job_code(work: Callable[..., Any], *arguments: Any) -> int:
    """0 when `work(*arguments)` finished, MEMORY_EXIT when it ran out of memory, ERROR_EXIT when it raised (logged)."""
    try:
        work(*arguments)
    except MemoryError:
        return MEMORY_EXIT
    except BaseException:  # noqa: BLE001 - the parent quarantines the file; the log keeps the traceback
        log.error("reading stopped by an internal error:\n%s", traceback.format_exc())
        return ERROR_EXIT
    return 0


def _leave(code: int) -> None:
    logging.shutdown()
    os._exit(code)
