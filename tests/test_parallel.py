"""pipeline.parallel: work spread over processes comes back as map would give it."""
import os
import sys

from pipeline.parallel import each_in_processes, in_processes, start_order


def test_work_in_two_processes_comes_back_in_the_items_order():
    assert in_processes(2, pow, [2, 3, 4], [3, 2, 1]) == [8, 9, 4]


def test_one_worker_or_one_item_works_in_this_process():
    assert in_processes(1, pow, [2, 3], [3, 2]) == [8, 9]
    assert in_processes(4, divmod, [7], [2]) == [(3, 1)]


def test_results_come_one_by_one_in_the_items_order():
    results = each_in_processes(2, pow, [2, 3, 4], [3, 2, 1])
    assert next(results) == 8 and list(results) == [9, 4]


def test_costliest_items_start_first_and_results_keep_the_items_order():
    assert start_order(4, [2, 9, 2, 5]) == [1, 3, 0, 2]
    assert start_order(3, None) == [0, 1, 2]
    assert in_processes(2, pow, [2, 3, 4], [3, 2, 1], costs=[1, 5, 3]) == [8, 9, 4]


def _loaded_in_worker(_item: int) -> tuple[bool, bool, int]:
    return "pipeline.load.outputs" in sys.modules, "great_expectations" in sys.modules, os.getppid()


def test_workers_start_with_the_pipeline_loaded_but_not_great_expectations():
    loaded = in_processes(2, _loaded_in_worker, [1, 2])
    assert [(outputs, gx) for outputs, gx, _ in loaded] == [(True, False), (True, False)]
    assert all(parent != os.getpid() for _, _, parent in loaded)     # forked from the server, not from the caller


def _collector_in_worker(_item: int) -> tuple[int, int]:
    import gc

    return gc.get_threshold()[0], gc.get_freeze_count()


def test_workers_collect_cycles_less_often_and_leave_what_they_inherited_alone():
    import gc

    from pipeline.parallel import GC_THRESHOLD

    assert [threshold for threshold, _ in in_processes(2, _collector_in_worker, [1, 2])] == [GC_THRESHOLD] * 2
    assert all(frozen > 0 for _, frozen in in_processes(2, _collector_in_worker, [1, 2]))
    assert gc.get_threshold()[0] != GC_THRESHOLD          # the caller's own collector is untouched
