"""Work spread over spawned processes, for steps that handle many vendors or files independently."""
from __future__ import annotations

from collections.abc import Callable, Iterator


def in_processes(workers: int, work: Callable, *arguments: list) -> list:
    """`work` applied to each tuple of `arguments` (like map), in `workers` spawned processes when more than one
    and there is more than one item; results in the items' order. `work` must be a module-level function."""
    return list(each_in_processes(workers, work, *arguments))


def each_in_processes(workers: int, work: Callable, *arguments: list) -> Iterator:
    """in_processes, each result as soon as it and those before it are done."""
    if workers <= 1 or len(arguments[0]) <= 1:
        yield from map(work, *arguments)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(workers, len(arguments[0])), mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(work, *arguments)
