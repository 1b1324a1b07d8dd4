"""The plan of how a sheet's columns become canonical columns: each field's sources and how it was decided.

pipeline.transform.column_roles makes it, pipeline.transform.columns applies it to the rows.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """One way to fill a canonical column: a vendor column, or several joined."""

    columns: tuple[str, ...]
    sep: str = " "
    unit: str | None = None             # appended to a bare number ("250" → "250 g")
    includes_vat: bool | None = None    # price only: the basis the column states
    kind: str | None = None             # price only: retail | regular | wholesale | promo
    checked: bool = False               # disagreeing with another checked source of its field is a conflict
    method: str = "words"               # profile | platform | synonym | words | content
    confidence: float = 1.0
    in_text: bool = False               # the cell is searched for a net content ("Pot verre 250 g")
    filled: bool = True                 # whether the sample holds any value in it

    @property
    def label(self) -> str:
        return " + ".join(self.columns)


@dataclass(frozen=True)
class ColumnPlan:
    """How a sheet's columns become canonical columns (pipeline.transform.columns.apply_plan reads it)."""

    names: tuple[str, ...]
    platform: str | None = None
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)
    decisions: Mapping[str, dict] = field(default_factory=dict)   # for the manifest: field → how it was decided
    unused: tuple[str, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)     # unused column → why its header was overruled
    title_parts: tuple[str, ...] = ()   # the columns a composed title is made of
    attributes: tuple[str, ...] = ()    # unused columns that tell products apart (colour, size, vintage)
    identity: tuple[str, ...] = ()      # what a derived SKU is made of besides title and net content: the brand,
    #                                     a short description ("Tempranillo 100%") and the attributes
    price_basis: bool | None = None     # the chosen price column's basis (else the vendor's or platform's)
    missing: tuple[str, ...] = ()       # required fields no column can fill
    headerless: bool = False
    net_content_from_title: bool = False

    def columns_of(self, target: str) -> list[str]:
        return [c for source in self.sources.get(target, ()) for c in source.columns]
