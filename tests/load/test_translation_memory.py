import multiprocessing

import pytest
import sqlalchemy as sa

from pipeline.load.state import StateStore
from pipeline.load.translation_memory import CHUNK, TranslationMemory, translation_memory
from pipeline.transform.tm_format import Entry


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_url(request, tmp_path):
    """A state store location: a fresh SQLite file, or the test PostgreSQL database with an empty memory."""
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    url = request.getfixturevalue("postgres_url")
    _empty_memory(url)
    return url


@pytest.fixture
def memory(state_url):
    store = StateStore.open(state_url)
    yield TranslationMemory(store.engine)
    store.engine.dispose()


def _empty_memory(url):
    engine = StateStore.open(url).engine
    TranslationMemory(engine)
    with engine.begin() as conn:
        conn.execute(translation_memory.delete())
    engine.dispose()


def _targets(memory, *sources):
    found = memory.lookup(list(sources), "fr", "zh-CN")
    return [(found[s].target, found[s].status) if s in found else None for s in sources]


def test_lookup_by_normalised_source_and_language_tags(memory):
    memory.store([Entry("Savon  de\nMarseille ", "马赛皂", provider="deepl"),
                  Entry("Miel de lavande", "Lavender honey", target_lang="en")])
    decomposed = "Nougat de Monte\u0301limar"
    memory.store([Entry(decomposed, "蒙特利马尔牛轧糖", source_lang="FR-fr", target_lang="zh_cn")])
    found = memory.lookup(["Savon de Marseille", "\u00a0Nougat de Montélimar", "Miel de lavande", "Absent"],
                          "fr", "zh-CN")
    assert found == {
        "Savon de Marseille": Entry("Savon de Marseille", "马赛皂", "fr", "zh-CN", "machine", "deepl"),
        "Nougat de Montélimar": Entry("Nougat de Montélimar", "蒙特利马尔牛轧糖", "fr", "zh-CN", "machine"),
    }


def test_approved_wins_over_machine_output(memory):
    assert memory.store([Entry("Savon", "肥皂"), Entry("Miel", "蜂蜜")]) == 2
    # approved replaces machine; machine never replaces approved; a newer machine replaces machine
    assert memory.store([Entry("Savon", "香皂", status="approved")]) == 1
    assert memory.store([Entry("Savon", "皂", status="machine")]) == 0
    assert memory.store([Entry("Miel", "蜂蜜二", status="machine")]) == 1
    assert _targets(memory, "Savon", "Miel") == [("香皂", "approved"), ("蜂蜜二", "machine")]
    # a newer approved replaces approved
    assert memory.store([Entry("Savon", "手工皂", status="approved")]) == 1
    assert _targets(memory, "Savon") == [("手工皂", "approved")]


def test_approved_wins_inside_one_batch(memory):
    batch = [Entry("Savon", "香皂", status="approved"), Entry("Savon", "肥皂", status="machine"),
             Entry("Miel", "蜂蜜一", status="machine"), Entry("Miel", "蜂蜜二", status="machine")]
    assert memory.store(batch) == 2
    assert _targets(memory, "Savon", "Miel") == [("香皂", "approved"), ("蜂蜜二", "machine")]


def test_chinese_targets_are_stored_simplified(memory):
    memory.store([Entry("Savon de Marseille", "馬賽皂"), Entry("Lavande", "Lavande", target_lang="en")])
    assert _targets(memory, "Savon de Marseille") == [("马赛皂", "machine")]


def test_long_sources_are_keyed_on_a_hash(memory):
    description = " ".join(["Savon cuit au chaudron selon le procédé marseillais, 72 % d’huile."] * 60)
    memory.store([Entry(description, "按马赛传统工艺熬制。")])
    assert _targets(memory, description) == [("按马赛传统工艺熬制。", "machine")]
    with memory.engine.connect() as conn:
        key, source = conn.execute(sa.select(translation_memory.c["source_key", "source"])).one()
    assert key.startswith("sha256:") and len(key) == 71
    assert source == description


def test_one_statement_per_chunk(memory):
    statements = []
    sa.event.listen(memory.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    sources = [f"Savon n°{number}" for number in range(CHUNK * 2 + 500)]
    memory.store([Entry(source, f"香皂 {number}") for number, source in enumerate(sources)])
    assert sum(s.lstrip().upper().startswith("INSERT") for s in statements) == 3
    statements.clear()
    assert len(memory.lookup(sources + sources[:10], "fr", "zh-CN")) == len(sources)
    assert sum(s.lstrip().upper().startswith("SELECT") for s in statements) == 3


def test_export_sorted_and_filtered(memory):
    memory.store([Entry("Savon", "香皂"), Entry("Miel", "Honey", target_lang="en"),
                  Entry("Honey", "蜂蜜", source_lang="en", status="approved", provider="vendor"),
                  Entry("Calissons", "杏仁糖")])
    assert [(e.source_lang, e.target_lang, e.source) for e in memory.export()] == [
        ("en", "zh-CN", "Honey"), ("fr", "en", "Miel"),
        ("fr", "zh-CN", "Calissons"), ("fr", "zh-CN", "Savon")]
    assert [e.source for e in memory.export("fr", "zh-CN")] == ["Calissons", "Savon"]
    assert [e.source for e in memory.export(target_lang="zh-CN")] == ["Honey", "Calissons", "Savon"]


@pytest.mark.parametrize("entry", [Entry("Savon", "香皂", status="reviewed"), Entry("Savon", "  "),
                                   Entry(" \n", "香皂")])
def test_invalid_entries_are_refused(memory, entry):
    with pytest.raises(ValueError):
        memory.store([entry])
    assert memory.export() == []


WORDS = 2100        # three chunks: a writer holds locks on some keys while it writes the next ones


def _writer(url, entries, barrier):
    """One competing process: waits for the other, then stores the same batch a few times."""
    memory = TranslationMemory(StateStore.open(url).engine)
    barrier.wait()
    for _ in range(3):
        memory.store(entries)


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_writers_lose_nothing_and_never_demote_approved(postgres_url):
    _empty_memory(postgres_url)

    def product(n, target, status="machine"):     # English targets: no OpenCC start-up in the writers
        return Entry(f"Produit {n}", target, target_lang="en", status=status)

    reviewed = [product(n, f"reviewed {n}", "approved") for n in range(0, WORDS, 3)]
    TranslationMemory(StateStore.open(postgres_url).engine).store(reviewed)
    machine = [product(n, f"machine A {n}") for n in range(WORDS)]
    mixed = [product(n, f"B {n}", "approved" if n % 2 == 0 else "machine") for n in reversed(range(WORDS))]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    writers = [context.Process(target=_writer, args=(postgres_url, batch, barrier))
               for batch in (machine, mixed)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0]
    stored = {e.source: e for e in TranslationMemory(StateStore.open(postgres_url).engine).export()}
    assert len(stored) == WORDS
    for n in range(WORDS):
        entry = stored[f"Produit {n}"]
        if n % 2 == 0:
            assert (entry.target, entry.status) == (f"B {n}", "approved")
        elif n % 3 == 0:
            assert (entry.target, entry.status) == (f"reviewed {n}", "approved")
        else:
            assert entry.status == "machine" and entry.target in (f"machine A {n}", f"B {n}")
