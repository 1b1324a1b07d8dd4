"""Work spread over spawned processes, for steps that handle many vendors or files independently."""
from __future__ import annotations

from collections.abc import Callable


def in_processes(workers: int, work: Callable, *arguments: list) -> list:
    """`work` applied to each tuple of `arguments` (like map), in `workers` spawned processes when more than one
    and there is more than one item; results in the items' order. `work` must be a module-level function."""
    if workers <= 1 or len(arguments[0]) <= 1:
        return list(map(work, *arguments))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(workers, len(arguments[0])), mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(work, *arguments))
