import datetime as dt

from pipeline.load.state import StateStore
from pipeline.load.vendor_cache import memory_fingerprint, stable_until, usable, vendor_key

DAY = dt.date(2026, 11, 2)
EUR = {"base": "EUR", "quote": "CNY", "rate": "8.2", "rate_date": "2026-10-30", "source": "ECB", "cross": None}


def _entry(**changes) -> dict:
    return {"key": "k", "run_date": "2026-11-01", "stable_until": "2026-12-01", "rates": {"EUR": EUR}, **changes}


def test_an_entry_of_an_earlier_day_with_the_same_key_and_rates_is_used():
    assert usable(_entry(), "k", DAY, {"EUR": EUR, "CHF": {"rate": "9"}})


def test_an_entry_is_not_used_on_its_own_day_nor_before_it():
    assert not usable(_entry(run_date="2026-11-02"), "k", DAY, {"EUR": EUR})
    assert not usable(_entry(run_date="2026-11-03"), "k", DAY, {"EUR": EUR})


def test_a_new_key_a_new_rate_or_a_passed_shelf_life_date_needs_the_vendor_read_again():
    assert not usable(_entry(), "other", DAY, {"EUR": EUR})
    assert not usable(_entry(), "k", DAY, {"EUR": {**EUR, "rate": "8.3", "rate_date": "2026-11-02"}})
    assert not usable(_entry(), "k", DAY, {})
    assert not usable(_entry(stable_until="2026-11-01"), "k", DAY, {"EUR": EUR})
    assert usable(_entry(stable_until=None), "k", DAY, {"EUR": EUR})
    assert not usable(None, "k", DAY, {"EUR": EUR})


def test_stable_until_is_the_day_the_shortest_shelf_life_would_reach_the_minimum():
    assert stable_until(DAY, [400, 200, None], 180) == "2026-11-22"
    assert stable_until(DAY, [], 180) is None
    assert stable_until(DAY, [10**9], 180) == "2036-10-30"          # capped at ten years


def test_the_key_changes_with_any_file_the_profile_or_the_context():
    files = [("v/a.csv", "2026-11-01T00:00:00+00:00", "aa"), ("v/b.csv", "", "bb")]
    key = vendor_key(files, {"currency": "EUR"}, {"code": "c", "memory": "1:x"})
    assert key == vendor_key(list(reversed(files)), {"currency": "EUR"}, {"code": "c", "memory": "1:x"})
    assert key != vendor_key(files[:1], {"currency": "EUR"}, {"code": "c", "memory": "1:x"})
    assert key != vendor_key([(*files[0][:2], "ab"), files[1]], {"currency": "EUR"}, {"code": "c", "memory": "1:x"})
    assert key != vendor_key(files, {"currency": "CHF"}, {"code": "c", "memory": "1:x"})
    assert key != vendor_key(files, {"currency": "EUR"}, {"code": "c", "memory": "2:y"})


def test_a_new_state_store_has_an_empty_memory_to_fingerprint(tmp_path):
    engine = StateStore.open(str(tmp_path / "new.db")).engine
    assert memory_fingerprint(engine) == "0:None"
