"""Reads one vendor file in a child process with a memory and a time limit: a file that would take the machine, crash
a library or never end costs that file alone, and the run goes on.

The child is forked from the process that reads (a worker of the run, the CLI itself, or an Airflow task), once that
process has loaded what every reading needs (Great Expectations, its suite, the allocator's first arena): the child
starts at once and shares those pages. Its address space may grow `memory_mib` past what its parent maps (and never
past an address-space limit the parent already has, as `prlimit --as` sets); after `seconds` it is killed. The parent
then tells why the file was not read, in a sentence a vendor understands (French, English).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

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


def run_contained(work: Callable[[], None], limits: Limits) -> Stopped | None:
    """Run `work` in a forked child under `limits`; None when it finished, else why it did not."""
    child = multiprocessing.get_context("fork").Process(target=_child, args=(work, limits), daemon=True)
    child.start()
    child.join(limits.seconds)
    if child.is_alive():
        child.kill()
        child.join()
        return Stopped(f"lecture arrêtée au bout de {limits.seconds:g} s, la limite de temps par fichier",
                       f"reading stopped after {limits.seconds:g} s, the time limit per file")
    return _why(child.exitcode, limits)


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


def _child(work: Callable[[], None], limits: Limits) -> None:
    """In the child: cap the address space, run `work`, and leave without the parent's exit handlers."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = address_space() + limits.memory_mib * MIB
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    os.environ["RUST_BACKTRACE"] = "0"          # a Rust reader's abort says one line, not a page of frames
    code = 0
    try:
        work()
    except MemoryError:
        code = MEMORY_EXIT
    except BaseException:  # noqa: BLE001 - the parent quarantines the file; the log keeps the traceback
        log.error("reading stopped by an internal error:\n%s", traceback.format_exc())
        code = ERROR_EXIT
    logging.shutdown()
    os._exit(code)
