"""Work spread over spawned processes, for steps that handle many vendors or files independently."""
from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Sequence

_shared = None          # the processes of shared_processes(), while it is open


@contextlib.contextmanager
def shared_processes(workers: int, preload: Sequence[str] = ()) -> Iterator[None]:
    """While open, in_processes and each_in_processes run their work in one set of `workers` spawned processes,
    started here (each importing the modules `preload` names), instead of starting processes on each call: a run's
    steps then pay for starting Python and importing its libraries once. With `workers` ≤ 1 nothing is started."""
    global _shared
    if workers <= 1 or _shared is not None:
        yield
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_import_all, initargs=(tuple(preload),))
    _shared = pool
    try:
        for _ in range(workers):                # start every process now, so that they import while we go on
            pool.submit(int)
        yield
    finally:
        _shared = None
        pool.shutdown(cancel_futures=True)


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
        pool = _shared if _shared is not None else own.enter_context(_pool(min(workers, len(items))))
        started = {n: pool.submit(work, *items[n]) for n in start_order(len(items), costs)}
        for n in range(len(items)):
            yield started[n].result()


def _pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def start_order(count: int, costs: Sequence[float] | None) -> list[int]:
    """Positions of `count` items, costliest first (equal costs, and no costs, in the items' order)."""
    return sorted(range(count), key=lambda n: -costs[n]) if costs is not None else list(range(count))
