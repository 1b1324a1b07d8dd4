"""Loads the project's configuration files (schemas/ and config/) once per process, as plain data."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from pipeline.transform.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
CONFIG_DIR = PROJECT_ROOT / "config"


@functools.cache
def load_yaml(path: Path) -> Any:
    """Parse one YAML file; cached, so callers must not mutate what they get."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def schema() -> dict[str, Any]:
    """The canonical vendor-product schema (schemas/vendor_product.yaml)."""
    return load_yaml(SCHEMAS_DIR / "vendor_product.yaml")


def schema_fields() -> dict[str, dict[str, Any]]:
    return schema()["fields"]


def rules() -> dict[str, dict[str, str]]:
    """Reject rules and their French and English message templates (schemas/rules.yaml)."""
    return load_yaml(SCHEMAS_DIR / "rules.yaml")


def config_file(name: str) -> Any:
    """A file from config/, e.g. config_file("column_synonyms.yaml")."""
    return load_yaml(CONFIG_DIR / name)


@dataclass(frozen=True)
class RunSettings:
    """Knobs of one run that are not per-vendor (per-vendor ones live in VendorProfile)."""

    min_shelf_life_days: int = 180   # DESIGN.md: non-perishable = at least 6 months


DEFAULT_PROFILE = "taobao_assistant_63"     # the output profile feeds are written with (config/output_profiles/)


def output_profile(name: str = DEFAULT_PROFILE) -> dict[str, Any]:
    """config/output_profiles/<name>.yaml as loaded (cached: do not mutate)."""
    return config_file(f"output_profiles/{name}.yaml")


@functools.cache
def settings() -> Settings:
    """The tables the core computes with (pipeline.transform.settings), built once per process from schemas/ and
    every config/*.yaml."""
    from pipeline.transform.settings import build_settings  # pandas and the core: not for light users of config

    files = {path.name: load_yaml(path) for path in sorted(CONFIG_DIR.glob("*.yaml"))}
    return build_settings(schema(), rules(), files, output_profile())
