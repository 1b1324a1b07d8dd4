"""Work spread over worker processes, for steps that handle many vendors or files independently."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

# what every step's workers import, loaded once by the server they are forked from (worker_context)
GC_THRESHOLD = 100_000       # allocations between two young-generation collections in workers (Python's default: 700)
WORKER_MODULES = ["pipeline.steps.extract_file", "pipeline.steps.localize_rows", "pipeline.steps.price_and_map",
                  "pipeline.load.outputs", "pipeline.load.translation_memory"]


def in_processes(workers: int, work: Callable, *arguments: list, costs: Sequence[float] | None = None) -> list:
    """`work` applied to each tuple of `arguments` (like map), in `workers` processes when more than one
    and there is more than one item; results in the items' order. `work` must be a module-level function.
    Given `costs` (one per item, e.g. its rows), the costliest items start first, so that no long one is left to
    run alone at the end."""
    return list(each_in_processes(workers, work, *arguments, costs=costs))


def each_in_processes(workers: int, work: Callable, *arguments: list, costs: Sequence[float] | None = None
                      ) -> Iterator:
    """in_processes, each result as soon as it and those before it are done. The processes are forked from a server
    process (worker_context), never from the caller, which may hold threads and connections."""
    if workers <= 1 or len(arguments[0]) <= 1:
        yield from map(work, *arguments)
        return
    from concurrent.futures import ProcessPoolExecutor

    items = list(zip(*arguments, strict=True))
    with ProcessPoolExecutor(min(workers, len(items)), mp_context=worker_context(),
                             initializer=collect_less) as pool:
        started = {n: pool.submit(work, *items[n]) for n in start_order(len(items), costs)}
        for n in range(len(items)):
            yield started[n].result()


def start_order(count: int, costs: Sequence[float] | None) -> list[int]:
    """Positions of `count` items, costliest first (equal costs, and no costs, in the items' order)."""
    return sorted(range(count), key=lambda n: -costs[n]) if costs is not None else list(range(count))


def worker_context():
    """A forkserver context: its worker processes are forked from a server process that loaded the modules every
    step's workers import (pandas, pyarrow, the pipeline's own, not Great Expectations) once, instead of each
    worker of each step starting Python and importing them again (about a second per step on 2 cores)."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context


def collect_less() -> None:
    """Run in each worker as it starts: the objects it inherited (modules, mostly) are left out of Python's cycle
    collector, which also runs less often. Workers allocate millions of short-lived objects (cells, decimals) that
    hold no cycles; with the default thresholds the collector walked them for a few per cent of the time."""
    import gc

    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 1000)
