"""Where the table is in a sheet's records, and which of its rows are no products.

- find_header: the header is the best of the first records read as column names (hint, instruction and title
  rows above it score low); a sheet whose first records are data, with no row of names, has no header and its
  columns are named by position.
- sub_header: a row right under the header that only completes it ("(l'unité)" under "Prix TTC (€)").
- layout_skips: rows that are no products whatever the columns mean: a single filled cell (a section title,
  a note, a stray value) and totals (a sparse row with a cell saying "Total"). stray_rows: rows that name no
  product once the columns are known.
- fill_down: the columns a layout writes only on a group's first row (a producer, a product with several
  containers), filled into the rows of the group.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.transform.header_words import header_words

HEADER_SEARCH_RECORDS = 30
HEADERLESS_NAME = "colonne {}"      # a sheet without header: its columns by position, as a vendor counts them
MAX_HEADER_CELL = 80                # characters: a longer cell is a sentence, not a column name
_VALUE = re.compile(
    r"[+-]?[\d\s.,'’\u00a0\u202f]*\d[\d\s.,'’\u00a0\u202f]*(?:e[+-]?\d+)?\s*(?:%|€|eur|chf|\$|£)?"   # numbers, prices
    r"|(?:€|eur)\s*[\d.,\s]+"
    r"|\d+(?:[.,]\d+)?\s?(?:g|gr|kg|mg|ml|cl|dl|l|lt|litres?|kilos?)\.?"                            # quantities
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}.*"                                        # dates
    r"|(?:https?://|www\.)\S+",                                                                     # links
    re.IGNORECASE)
_NOTE_START = re.compile(r"^\s*(?:\*|\(|n\.?\s?b\b|nota\b|remarque|attention|important|prix valable|tarif valable"
                         r"|franco|conditions?\b|©)", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
TOTAL_CELLS = 3                     # a total row holds its label, an amount and perhaps a note
TOTAL_WORDS = frozenset({("total",), ("sou", "total"), ("total", "ht"), ("total", "ttc"), ("montant", "total"),
                         ("totaux",), ("total", "general"), ("grand", "total"), ("subtotal",)})
Record = Sequence[str]


@dataclass(frozen=True)
class HeaderChoice:
    index: int | None           # of the header record, None for a sheet without one
    scores: tuple[float, ...] = ()


def looks_like_value(cell: str) -> bool:
    """A cell that is data rather than a column name: a number, price, quantity, date or link, or a sentence."""
    text = cell.strip()
    return len(text) > MAX_HEADER_CELL or _VALUE.fullmatch(text) is not None


def find_header(records: Sequence[Record], recognised: Callable[[str], bool],
                search: int = HEADER_SEARCH_RECORDS) -> HeaderChoice | None:
    """The header among the first `search` non-blank records: of those with two cells or more (a title of one
    cell names no columns), the one whose cells read most as column names and least as values;
    HeaderChoice(None) when the first such record is data and none names columns; None when nothing can be
    said (no filled record, or none of several cells in a sheet of more than one column)."""
    candidates = [i for i, record in enumerate(records[:search]) if not is_blank(record)]
    scores = {i: _header_score(records[i], recognised) + _width_bonus(records, i) for i in candidates}
    rows = [i for i in candidates if len(_distinct(records[i])) > 1]
    if not rows:
        return _one_column_header(records, candidates, scores)
    best = max(rows, key=lambda i: (scores[i], -i))
    named = sum(1 for cell in _distinct(records[best]) if recognised(cell))
    first_is_data = any(looks_like_value(c) for c in _distinct(records[rows[0]]))
    found = tuple(scores[i] for i in candidates)
    if (named >= 1 and scores[best] > 0) or (scores[best] > 0.5 and not first_is_data):
        return HeaderChoice(best, found)
    return HeaderChoice(None, found) if first_is_data else None


def _one_column_header(records: Sequence[Record], candidates: list[int], scores: dict[int, float]
                       ) -> HeaderChoice | None:
    """The header of a sheet of one column: its first cell of words that is no value."""
    if not candidates or any(len(records[i]) != 1 for i in candidates):
        return None
    names = [i for i in candidates if _LETTER.search(records[i][0]) and not looks_like_value(records[i][0])]
    return HeaderChoice(names[0], tuple(scores[i] for i in candidates)) if names else None


def _distinct(record: Record) -> set[str]:
    return {cell.strip() for cell in record if isinstance(cell, str) and cell.strip()}


def _header_score(record: Record, recognised: Callable[[str], bool]) -> float:
    """Cells read as column names, plus a quarter per other short text, less one per value; a record of one
    cell (a title: "Tarifs 2026") names no columns."""
    cells = _distinct(record)
    if len(cells) == 1:
        return -1.0 if looks_like_value(next(iter(cells))) else 0.25
    score = 0.0
    for cell in cells:
        if looks_like_value(cell):
            score -= 1.0
        elif recognised(cell):
            score += 1.0
        else:
            score += 0.25
    return score


def _width_bonus(records: Sequence[Record], index: int, following: int = 5) -> float:
    """Up to 0.5 when the next non-blank records have as many cells as this one, as data under a header (none for
    a record of one cell: lines of a letterhead follow each other too)."""
    nexts = [r for r in records[index + 1:index + 1 + 2 * following] if not is_blank(r)][:following]
    if not nexts or len(_distinct(records[index])) < 2:
        return 0.0
    width = filled_width(records[index])
    return 0.5 * sum(1 for r in nexts if filled_width(r) <= width <= len(r)) / len(nexts)


def filled_width(record: Record) -> int:
    """Position of the last non-empty cell (1-based), 0 for a blank record."""
    return next((n for n in range(len(record), 0, -1) if record[n - 1].strip()), 0)


def is_blank(record: Record) -> bool:
    return not any(cell.strip() for cell in record)


def headerless_names(width: int) -> list[str]:
    return [HEADERLESS_NAME.format(n) for n in range(1, width + 1)]


def sub_header(header: Record, below: Record | None) -> list[str] | None:
    """The header completed by the record under it when that record only qualifies it (a few short cells, half
    of them or fewer, none a value, one at least in parentheses or under a filled header cell); else None."""
    if below is None or is_blank(below):
        return None
    cells = [c.strip() for c in below]
    filled = [i for i, c in enumerate(cells) if c]
    if len(filled) * 2 > len(header) or any(looks_like_value(cells[i]) or len(cells[i]) > 40 for i in filled):
        return None
    qualifying = [i for i in filled if i < len(header) and header[i].strip() and cells[i].startswith("(")]
    if not qualifying:
        return None
    return [f"{h.strip()} {cells[i]}" if i in qualifying else h for i, h in enumerate(header)]


def layout_skips(frame: pd.DataFrame, names: Sequence[str], filled: np.ndarray | None = None) -> pd.Series:
    """Per row of a read sheet (cells str or NA under `names`), why it is no product whatever its columns mean,
    else NA: with a single filled cell `note` (a remark: "* Franco…", a sentence), `stray` (a lone value) or
    `section` (a heading: "TISANES"); with three or fewer, `total` when one says so. `filled`: the rows' counts
    of filled cells, when known."""
    reasons = pd.Series(pd.NA, index=frame.index, dtype=object)
    if frame.empty or not names:
        return reasons
    count = filled_cells(frame, names) if filled is None else filled
    sparse = np.flatnonzero(count <= TOTAL_CELLS)
    if not len(sparse):
        return reasons
    rows = frame[list(names)].iloc[sparse].to_numpy(dtype=object)
    found = [_sparse_row_reason([c for c in row if isinstance(c, str)]) for row in rows]
    reasons.iloc[sparse] = pd.array(found, dtype=object)
    return reasons


def filled_cells(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Per row, its filled cells under `names` (a read sheet's empty cells are NA)."""
    return frame[list(names)].notna().sum(axis=1).to_numpy()


def _sparse_row_reason(cells: list[str]) -> object:
    if len(cells) == 1:
        return _lone_cell_reason(cells[0])
    return "total" if any(_is_total(cell) for cell in cells) else pd.NA


@functools.lru_cache(maxsize=65_536)
def _lone_cell_reason(cell: str) -> str:
    text = cell.strip()
    if _NOTE_START.match(text) or len(text) > 60 or ":" in text:
        return "note"
    if looks_like_value(text):
        return "stray"
    return "section"


@functools.lru_cache(maxsize=65_536)
def _is_total(cell: str) -> bool:
    return len(cell) <= 30 and header_words(cell) in TOTAL_WORDS


def stray_rows(named: pd.Series, priced: pd.Series, filled: pd.Series) -> pd.Series:
    """Per row, `stray` when it names no product (`named`: a title, a reference or a barcode) and holds at most
    two filled cells (`filled`), `no_product` when it names none and has no price; else NA. A row naming no
    product but with a price and more is kept: it is a product whose name is missing, and the vendor is told."""
    reasons = pd.Series(pd.NA, index=named.index, dtype=object)
    reasons[~named & ~priced] = "no_product"
    reasons[~named & priced & (filled <= 2)] = "stray"
    return reasons


def after_table(rows: pd.Series, reasons: pd.Series, last_product_row: int | None) -> pd.Series:
    """The reasons of skipped rows, those after the last product (blank ones aside) as `after_table`."""
    if last_product_row is None:
        return reasons
    late = (rows > last_product_row) & (reasons != "blank")
    return reasons.mask(late, "after_table")


def fill_down(frame: pd.DataFrame, columns: Sequence[str], title: str | None, priced: pd.Series,
              merged: Collection[str] = (), min_share: float = 0.15) -> tuple[pd.DataFrame, list[str]]:
    """`frame` with the group columns a layout writes only on a group's first row filled into its priced rows,
    and the columns filled. A column is filled when it is empty on at least `min_share` (and two) of the priced
    rows, each such row below a filled one: the title column (a product written once over its containers, or
    merged) and the other `columns` on the rows whose title was empty (a continuation), or on every priced row
    when they are empty even beside a written title (a producer over its products)."""
    if frame.empty or not priced.any():
        return frame, []
    continuation = priced & (frame[title].isna() if title else pd.Series(False, index=frame.index))
    done: list[str] = []
    for column in ([title] if title else []) + [c for c in columns if c != title]:
        empty = priced & frame[column].isna()
        if column not in merged and (empty.sum() < 2 or empty.sum() < min_share * priced.sum()):
            continue
        above = frame[column].ffill()
        if column == title or (empty & ~continuation).sum() >= min_share * priced.sum():
            targets = empty & above.notna()
        else:
            targets = empty & continuation & above.notna()
        if targets.any():
            frame = frame if done else frame.copy()
            frame.loc[targets, column] = above[targets]
            done.append(column)
    return frame, done
