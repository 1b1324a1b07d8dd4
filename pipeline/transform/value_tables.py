"""The tables cell values are read with (money words and tax mentions, currencies, yes/no words, units), built
once from config/money.yaml, config/iso4217.yaml, config/booleans.yaml and config/units.yaml by
`build_value_tables` and handed to the value parsers."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipeline.transform.money import tax_mention_pattern
from pipeline.transform.quantity import quantity_in_text_pattern, unit_spellings
from pipeline.transform.scalars import boolean_table, currency_table


@dataclass(frozen=True, eq=False)
class ValueTables:
    vat_mentions: Mapping[str, bool]                  # lower-case tax mention → whether the price includes VAT
    tax_mention: re.Pattern[str]                      # a currency and a trailing tax mention after a number
    boolean_words: Mapping[str, bool]                 # lower-case yes/no words → True / False
    currency_codes: Mapping[str, str]                 # lower-case ISO code, sign or word → the ISO code
    unit_spellings: Mapping[str, Mapping[str, tuple[str, Decimal]]]   # kind → spelling → (unit, factor)
    ignored_unit_marks: str                           # regex: marks a unit may carry that do not change it
    quantity_in_text: re.Pattern[str]                 # a quantity in running text

    def unit_factors(self, kinds: tuple[str, ...]) -> dict[str, tuple[str, Decimal]]:
        """Lower-case unit spelling → (canonical unit, factor to it), for the given kinds of config/units.yaml."""
        return {spelling: found for kind in kinds for spelling, found in self.unit_spellings[kind].items()}


def build_value_tables(units: Mapping[str, Any], money: Mapping[str, Any], booleans: Mapping[str, Any],
                       iso4217: Mapping[str, Any]) -> ValueTables:
    spellings = unit_spellings(units)
    return ValueTables(
        vat_mentions=money["vat_mentions"], tax_mention=tax_mention_pattern(money["vat_mentions"]),
        boolean_words=boolean_table(booleans), currency_codes=currency_table(iso4217, money["currency_signs"]),
        unit_spellings=spellings, ignored_unit_marks="|".join(map(re.escape, units["ignored_marks"])),
        quantity_in_text=quantity_in_text_pattern({**spellings["mass"], **spellings["volume"]}))
