"""The tables the core computes with, as one frozen object: the vendor-product schema and its reject rules, the
config files' tables (header lexicon and synonyms, platforms, price preference, units, money words, booleans,
currencies, VAT, CBEC, pricing, categories, the output profile) and what is derived from them once (value
tables, reading tables). Built from the files' data by `build_settings`, which the edge calls once per process
(pipeline.config.settings); the core is handed it and opens no file."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.transform.reading_tables import ReadingTables, reading_tables
from pipeline.transform.value_tables import ValueTables, build_value_tables


@dataclass(frozen=True, eq=False)
class Settings:
    """Read-only: what each field holds is shared by every user of the object."""

    fields: Mapping[str, Mapping[str, Any]]           # schemas/vendor_product.yaml `fields`, in schema order
    lineage: tuple[str, ...]                          # … its `lineage` columns
    rules: Mapping[str, Mapping[str, str]]            # schemas/rules.yaml: rule → message templates
    files: Mapping[str, Any]                          # config/<name>.yaml by name, as loaded
    output_profile: Mapping[str, Any]                 # config/output_profiles/<profile>.yaml
    values: ValueTables                               # the tables cell values are read with
    reading: ReadingTables                            # the tables a sheet's columns are read with

    def config(self, name: str) -> Any:
        """config/<name> as loaded, e.g. config("categories.yaml")."""
        return self.files[name]


def build_settings(schema: Mapping[str, Any], rules: Mapping[str, Any], files: Mapping[str, Any],
                   output_profile: Mapping[str, Any]) -> Settings:
    """The Settings of these files' data: `schema` and `rules` from schemas/, `files` every config/*.yaml by name."""
    values = build_value_tables(files["units.yaml"], files["money.yaml"], files["booleans.yaml"],
                                files["iso4217.yaml"])
    return Settings(fields=schema["fields"], lineage=tuple(schema["lineage"]), rules=rules, files=files,
                    output_profile=output_profile, values=values,
                    reading=reading_tables(schema["fields"], files, values))
