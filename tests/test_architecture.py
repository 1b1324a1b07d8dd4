"""ARCHITECTURE.md is the map of the code as it is; the package keeps the shape it describes."""
import re
from pathlib import Path

from pipeline.parallel import WORKER_MODULES

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
MAX_MODULE_LINES = 400
STEPS = ["refresh_rates", "discover_inputs", "extract_file", "localize_rows", "price_and_map", "publish_feed"]


def _named_paths() -> list[str]:
    quoted = re.findall(r"`([^`\s]+)`", ARCHITECTURE)
    return [q for q in quoted if "/" in q and not q.startswith(("<", "../")) and "<" not in q]


def test_every_path_the_map_names_exists():
    paths = _named_paths()
    assert len(paths) > 20
    assert [p for p in paths if not (ROOT / p).exists()] == []


def test_the_map_lists_every_step_in_its_module_and_every_config_file():
    assert [s for s in STEPS if f"pipeline/steps/{s}.py" not in ARCHITECTURE] == []
    steps = sorted(p.stem for p in (ROOT / "pipeline" / "steps").glob("*.py") if p.stem != "__init__")
    assert steps and [s for s in steps if f"pipeline/steps/{s}.py" not in ARCHITECTURE] == []
    files = [p.relative_to(ROOT).as_posix() for p in [*(ROOT / "config").glob("*.yaml"),
                                                      *(ROOT / "schemas").glob("*.yaml")]]
    assert files and [f for f in files if f not in ARCHITECTURE] == []


def test_no_module_of_the_pipeline_passes_400_lines():
    modules = list((ROOT / "pipeline").rglob("*.py"))
    assert modules
    long = {p.relative_to(ROOT).as_posix(): n for p in modules
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_two_modules_of_the_pipeline_share_a_name():
    names: dict[str, list[str]] = {}
    for path in (ROOT / "pipeline").rglob("*.py"):
        if path.name != "__init__.py":
            names.setdefault(path.name, []).append(path.relative_to(ROOT).as_posix())
    assert names
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}


def test_the_modules_workers_preload_exist():
    assert WORKER_MODULES
    assert [m for m in WORKER_MODULES if not (ROOT / (m.replace(".", "/") + ".py")).exists()] == []
