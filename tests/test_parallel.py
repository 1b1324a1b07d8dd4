"""pipeline.parallel: work spread over processes comes back as map would give it."""
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
