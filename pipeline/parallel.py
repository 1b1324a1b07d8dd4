"""Work spread over spawned processes, for steps that handle many vendors or files independently."""
from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Sequence

_shared: _Processes | None = None          # the processes of shared_processes(), while it is open


class _Processes:
    """A pool of spawned processes, started on first use."""

    def __init__(self, workers: int, preload: Sequence[str] = ()):
        self.workers, self.preload, self.pool = workers, tuple(preload), None

    def get(self):
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_import_all, initargs=(self.preload,))
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


@contextlib.contextmanager
def shared_processes(workers: int, preload: Sequence[str] = ()) -> Iterator[None]:
    """While open, in_processes and each_in_processes run their work in one set of `workers` spawned processes,
    started on first use (each importing the modules `preload` names), instead of starting processes on each
    call: steps run one after the other then pay for starting Python and importing their libraries once."""
    global _shared
    if workers <= 1 or _shared is not None:
        yield
        return
    _shared = _Processes(workers, preload)
    try:
        yield
    finally:
        processes, _shared = _shared, None
        processes.close()


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


def in_processes(workers: int, work: Callable, *arguments: list, costs: Sequence[float] | None = None) -> list:
    """`work` applied to each tuple of `arguments` (like map), in `workers` spawned processes when more than one
    and there is more than one item; results in the items' order. `work` must be a module-level function.
    Given `costs` (one per item, e.g. its rows), the costliest items start first, so that no long one is left to
    run alone at the end."""
    return list(each_in_processes(workers, work, *arguments, costs=costs))


def each_in_processes(workers: int, work: Callable, *arguments: list, costs: Sequence[float] | None = None
                      ) -> Iterator:
    """in_processes, each result as soon as it and those before it are done."""
    if workers <= 1 or len(arguments[0]) <= 1:
        yield from map(work, *arguments)
        return
    items = list(zip(*arguments, strict=True))
    with contextlib.ExitStack() as own:
        if _shared is not None:
            pool = _shared.get()
        else:
            processes = _Processes(min(workers, len(items)))
            own.callback(processes.close)
            pool = processes.get()
        started = {n: pool.submit(work, *items[n]) for n in start_order(len(items), costs)}
        for n in range(len(items)):
            yield started[n].result()


def start_order(count: int, costs: Sequence[float] | None) -> list[int]:
    """Positions of `count` items, costliest first (equal costs, and no costs, in the items' order)."""
    return sorted(range(count), key=lambda n: -costs[n]) if costs is not None else list(range(count))
