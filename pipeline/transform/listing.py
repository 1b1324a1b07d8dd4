"""The listing texts of each product: title in 60 GBK bytes, description HTML with the food label, outer_id.

Limits and wording come from the output profile (config/output_profiles/taobao_assistant_63.yaml, `listing`):

- title_listing: brand, Chinese name (title_zh; the source title when a row has none) and net content in
  Chinese units ("500毫升", "1.5千克"), joined by spaces. The brand is left out when the name already
  contains it, the net content when the name already states a quantity. When the whole does not fit in
  60 GBK bytes, the brand goes first, then the net content, and only then is the name cut: after a whole
  character, and for Latin text at the last word boundary. A title a spreadsheet would take for a formula
  gets one byte less, for the ' it is prefixed with (below). Characters GBK cannot encode are replaced
  (the profile's `gbk_replacements`, then the letter without its accent: ô → o) or else dropped.
  title_truncated is True when anything was left out or cut.
- description_html: one <p> per line of description_zh (localisation translates one paragraph per line;
  the name when there is no description), then for the product classes that ask for it
  (config/categories.yaml) the Chinese electronic label as a table, its rows only where the data exists.
  No TAB, CR or LF; cut to fewer than 25,000 characters.
- outer_id: "<vendor_id>-<sku>". When that exceeds 64 bytes (the ' below included), or two (vendor, sku) pairs
  spell the same text ("a-b" + "c", "a" + "b-c"), it becomes a readable prefix, "-" and the first 10 hex digits
  of the SHA-256 of vendor_id, U+001F and sku: stable across runs and feeds.

Spreadsheet safety: the text columns the feed files publish (PUBLISHED_TEXT: title_listing, description_html,
brand, barcode, outer_id) are neutralised here, once, with spreadsheet_safety.neutralise: a value starting with
= + - @, TAB or CR that is not a plain number gets a leading '. tmall_upload.csv and tmall_upload.parquet are
written from these columns, so they carry the same text; the CSV writer's guard finds nothing left to do.
vendor_id and sku are keys and are kept as they are (a SKU holding a control or bidi character is rejected when
parsed: pipeline/transform/parse.py).
"""
from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.transform.distinct import distinct_rows, map_distinct, per_distinct
from pipeline.transform.spreadsheet_safety import neutralise
from pipeline.transform.text import object_column

if TYPE_CHECKING:
    from pipeline.transform.settings import Settings

LATIN_WORD_END = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+$")
LATIN_LETTER = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")
DANGLING = " -–—,;:/·(（[【'’\"“"
HASH_DIGITS = 10
# The other columns the title and description are made of (besides the name and net content).
TEXT_INPUTS = ["description_zh", "ingredients_zh", "shelf_life_days", "product_class"]
# The listing columns both feed files publish as text: neutralised once, when the listing is built.
PUBLISHED_TEXT = ["title_listing", "description_html", "brand", "barcode", "outer_id"]


def build_listings(frame: pd.DataFrame, settings: Settings, profile: Mapping[str, Any] | None = None
                   ) -> pd.DataFrame:
    """`frame` (classified and priced) plus title_listing, title_truncated, description_html and outer_id, and
    PUBLISHED_TEXT neutralised (module doc).

    Titles and descriptions are composed once per distinct (name, brand, net content, description,
    ingredients, shelf life, product class), then aligned back to the rows."""
    limits = (profile or settings.output_profile)["listing"]
    latin_units = tuple(settings.values.unit_factors(("mass", "volume")))
    out = frame.copy(deep=False)                # copy-on-write: the caller's frame is never changed
    name = out["title_zh"].where(out["title_zh"].notna(), out["title"])
    spec = net_content_zh(out["net_content"], out["net_unit"], limits["net_content_units"])
    positions, texts = distinct_rows(pd.DataFrame({
        "name": name, "brand": out["brand"], "spec": spec, **{c: out[c] for c in TEXT_INPUTS}}))
    titles = listing_titles(texts["brand"], texts["name"], texts["spec"], limits, latin_units)
    pages = description_html(texts, texts["name"], texts["spec"], limits, settings.config("categories.yaml"))
    out["title_listing"] = _taken(titles["title_listing"], positions, out.index)
    out["title_truncated"] = titles["title_truncated"].to_numpy(dtype=bool)[positions]
    out["description_html"] = _taken(pages, positions, out.index)
    out["outer_id"] = outer_ids(out["vendor_id"], out["sku"], limits["outer_id_max_bytes"])
    for column in PUBLISHED_TEXT:
        if column in out:                       # a frame may have no barcode column
            out[column] = neutralise(out[column])
    check_outer_ids(out)
    return out


def _taken(values: pd.Series, positions: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(values.to_numpy(dtype=object)[positions], index=index, dtype=object)


# --- net content --------------------------------------------------------------------------------------

def net_content_zh(quantity: pd.Series, unit: pd.Series, units: dict[str, list[str]]) -> pd.Series:
    """"250克", "1.5千克", "500毫升", "1升"; NA when the quantity or unit is missing."""
    keys = pd.DataFrame({"quantity": quantity.astype(object), "unit": unit.astype(object)})
    return object_column(map_distinct(keys, functools.partial(_quantity_zh, units=units)))


def _quantity_zh(quantity: Decimal | None, unit: str | None, units: dict[str, list[str]]) -> str | None:
    if pd.isna(quantity) or pd.isna(unit):
        return None
    small, large = units[unit]
    value, word = (quantity / 1000, large) if quantity >= 1000 else (quantity, small)
    return f"{format(Decimal(value).normalize(), 'f')}{word}"


@functools.cache
def quantity_pattern(chinese_units: tuple[str, ...], latin_units: tuple[str, ...]) -> re.Pattern[str]:
    """A number and a mass or volume unit: one of `latin_units` (config/units.yaml's spellings) or of
    `chinese_units`."""
    latin = sorted(set(latin_units), key=len, reverse=True)
    chinese = sorted(chinese_units, key=len, reverse=True)
    return re.compile(r"\d\s*(?:" + "|".join(map(re.escape, chinese)) + r"|(?:"
                      + "|".join(map(re.escape, latin)) + r")(?![^\W\d_]))", re.IGNORECASE)


# --- title --------------------------------------------------------------------------------------------

def listing_titles(brand: pd.Series, name: pd.Series, spec: pd.Series, limits: Mapping[str, Any],
                   latin_units: tuple[str, ...]) -> pd.DataFrame:
    """title_listing (str) and title_truncated (bool), once per distinct (brand, name, net content)."""
    keys = pd.DataFrame({"brand": brand.astype(object), "name": name.astype(object), "spec": spec.astype(object)})
    positions, distinct = distinct_rows(keys)
    budget = limits["title_max_gbk_bytes"]
    chinese_units = tuple(w for words in limits["net_content_units"].values() for w in words)
    compose = functools.partial(compose_title, replacements=limits["gbk_replacements"],
                                states_quantity=quantity_pattern(chinese_units, latin_units))
    rows = list(distinct.itertuples(index=False, name=None))
    titles = np.empty(len(rows), dtype=object)
    truncated = np.zeros(len(rows), dtype=bool)
    for n, row in enumerate(rows):
        titles[n], truncated[n] = compose(*row, budget=budget)
    as_text = pd.Series(titles, dtype=object)
    for n in np.flatnonzero((neutralise(as_text) != as_text).to_numpy()):   # the CSV will prefix a '
        titles[n], truncated[n] = compose(*rows[n], budget=budget - 1)
    return pd.DataFrame({"title_listing": pd.Series(titles[positions], index=keys.index, dtype=object),
                         "title_truncated": truncated[positions]}, index=keys.index)


def compose_title(brand: str | None, name: str | None, spec: str | None, budget: int,
                  replacements: dict[str, str], states_quantity: re.Pattern[str]) -> tuple[str, bool]:
    """(title, truncated): brand, name and net content within `budget` GBK bytes (module docstring)."""
    name = gbk_text(name, replacements)
    brand = gbk_text(brand, replacements)
    spec = gbk_text(spec, replacements)
    if brand and brand.casefold() in name.casefold():
        brand = ""
    if spec and states_quantity.search(name):
        spec = ""
    full = _join(brand, name, spec)
    for candidate in (full, _join(name, spec), name):
        if gbk_bytes(candidate) <= budget:
            return candidate, candidate != full
    return cut_to_gbk_bytes(name, budget), True


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def gbk_bytes(text: str) -> int:
    return len(text.encode("gbk"))


def gbk_text(text: str | None, replacements: dict[str, str]) -> str:
    """`text` with every character GBK cannot encode replaced, or stripped of its accent, or dropped."""
    if not isinstance(text, str):
        if text is None or pd.isna(text):
            return ""
        text = str(text)
    if not _gbk_encodable(text):
        text = "".join(ch if _gbk_encodable(ch) else _gbk_substitute(ch, replacements) for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def _gbk_encodable(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _gbk_substitute(ch: str, replacements: dict[str, str]) -> str:
    substitute = replacements.get(ch) or "".join(
        c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return substitute if _gbk_encodable(substitute) else ""


def cut_to_gbk_bytes(text: str, budget: int) -> str:
    """The longest start of `text` within `budget` GBK bytes, ending on a whole character and, inside Latin
    text, on a word boundary; trailing separators removed."""
    sizes = np.cumsum([len(ch.encode("gbk")) for ch in text])
    end = int(np.searchsorted(sizes, budget, side="right"))
    cut = text[:end]
    if 0 < end < len(text) and LATIN_LETTER.match(text[end - 1]) and LATIN_LETTER.match(text[end]):
        at_word = LATIN_WORD_END.sub("", cut)
        cut = at_word if at_word.strip(DANGLING) else cut
    return cut.rstrip(DANGLING)


# --- description --------------------------------------------------------------------------------------

def description_html(frame: pd.DataFrame, name: pd.Series, spec: pd.Series, limits: dict[str, Any],
                     rules: dict[str, Any]) -> pd.Series:
    """<p> paragraphs of description_zh (or the name), then the food label where the class asks for it;
    once per distinct (text, label)."""
    food_classes = [c for c, spec_ in rules["product_classes"].items() if spec_.get("food_label")]
    is_food = frame["product_class"].isin(food_classes).fillna(False).astype(bool)
    label_values = {"name": name, "brand": frame["brand"], "spec": spec, "ingredients_zh": frame["ingredients_zh"],
                    "shelf_life_days": frame["shelf_life_days"]}
    keys = pd.DataFrame({"text": frame["description_zh"].where(frame["description_zh"].notna(), name),
                         "is_food": is_food,
                         **{key: value.astype(object).where(is_food, None) for key, value in label_values.items()}})
    positions, distinct = distinct_rows(keys)
    return pd.Series(_pages(distinct, limits).to_numpy()[positions], index=frame.index, dtype=object)


def _pages(distinct: pd.DataFrame, limits: dict[str, Any]) -> pd.Series:
    """description_html of each row of `distinct` (text, is_food and the label's values)."""
    text = distinct["text"]
    body = paragraphs_html(text)
    label = food_label_html(distinct, limits)
    page = body + label
    too_long = page.str.len() > limits["description_max_chars"]
    if too_long.any():
        keys = pd.DataFrame({"text": text[too_long],
                             "budget": limits["description_max_chars"] - label[too_long].str.len()})
        page[too_long] = map_distinct(keys, _fit_paragraphs) + label[too_long]
    return page.astype(object)


def paragraphs_html(text: pd.Series) -> pd.Series:
    """One <p> per non-blank line, HTML-escaped, tabs as spaces; once per distinct text."""
    def render(values: pd.Series) -> pd.DataFrame:
        lines = values.str.replace(r"[\t\r\f\v]", " ", regex=True).map(_escape)
        paragraphs = lines.str.strip().str.replace(r" *\n[\s]*", "</p><p>", regex=True)
        return ("<p>" + paragraphs + "</p>").to_frame("html")

    return per_distinct(text, render, fill={"html": ""})["html"].astype(object)


def _fit_paragraphs(text: str, budget: int) -> str:
    """paragraphs_html of the longest start of `text` whose HTML has at most `budget` characters."""
    def rendered(n: int) -> str:
        return paragraphs_html(pd.Series([text[:n]], dtype=object)).iloc[0]

    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if len(rendered(middle)) <= budget else (low, middle - 1)
    return rendered(low) if low else ""


def food_label_html(label: pd.DataFrame, limits: dict[str, Any]) -> pd.Series:
    """The Chinese electronic label table where `is_food`, "" elsewhere; `label` holds name, brand, spec
    (net content), ingredients_zh and shelf_life_days."""
    words = limits["food_label"]
    days = label["shelf_life_days"].astype("Int64").astype("string") + words["days"]
    items = [(words["name"], label["name"]), (words["brand"], label["brand"]),
             (words["net_content"], label["spec"]), (words["ingredients"], label["ingredients_zh"]),
             (words["origin"], pd.Series(limits["origin_country_zh"], index=label.index)),
             (words["shelf_life"], days),
             (words["storage"], pd.Series(limits["storage_zh"], index=label.index))]
    rows = pd.Series("", index=label.index, dtype=object)
    for name, value in items:
        escaped = _html_cells(value.astype(object))
        rows = rows + ("<tr><th>" + name + "</th><td>" + escaped + "</td></tr>").where(escaped.notna(), "")
    label_html = "<h3>" + words["heading"] + "</h3><table>" + rows + "</table>"
    return label_html.where(label["is_food"].astype(bool), "").astype(object)


def _html_cells(values: pd.Series) -> pd.Series:
    """Whitespace runs (line breaks included) as one space, then HTML-escaped; once per distinct value."""
    def render(distinct: pd.Series) -> pd.DataFrame:
        one_line = distinct.astype(str).str.replace(r"\s+", " ", regex=True).str.strip()
        return one_line.map(_escape).to_frame("html")

    return per_distinct(values, render)["html"].astype(object)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


# --- outer_id -----------------------------------------------------------------------------------------

def outer_ids(vendor_id: pd.Series, sku: pd.Series, max_bytes: int) -> pd.Series:
    """`<vendor_id>-<sku>`, or a prefix and a short hash when too long or ambiguous (module docstring). Not yet
    neutralised, but within `max_bytes` once it is, and ambiguous when two pairs would be published the same."""
    plain = vendor_id.astype(str) + "-" + sku.astype(str)
    shown = neutralise(plain)
    ambiguous = np.zeros(len(plain), dtype=bool)
    repeated = shown.duplicated(keep=False).to_numpy()
    if repeated.any():                          # the same text from two different (vendor, sku) pairs?
        pairs = pd.DataFrame({"vendor_id": vendor_id[repeated], "sku": sku[repeated], "shown": shown[repeated]})
        pairs = pairs.drop_duplicates(["vendor_id", "sku"])
        ambiguous = shown.isin(pairs["shown"][pairs["shown"].duplicated(keep=False)]).to_numpy()
    budget = max_bytes - (shown != plain).to_numpy(dtype=int)
    size = pc.binary_length(pa.array(plain, type=pa.large_string())).to_numpy(zero_copy_only=False)
    hashed = ambiguous | (size > budget)
    plain = plain.astype(object)
    if not hashed.any():
        return plain
    keys = pd.DataFrame({"vendor_id": vendor_id[hashed], "sku": sku[hashed], "budget": budget[hashed]})
    return plain.where(~hashed, map_distinct(keys, hashed_outer_id))


def hashed_outer_id(vendor_id: str, sku: str, max_bytes: int) -> str:
    """A readable start of "<vendor_id>-<sku>", "-" and 10 hex digits of SHA-256(vendor_id U+001F sku)."""
    digest = hashlib.sha256(f"{vendor_id}\x1f{sku}".encode()).hexdigest()[:HASH_DIGITS]
    prefix = f"{vendor_id}-{sku}".encode()[: max_bytes - HASH_DIGITS - 1].decode("utf-8", errors="ignore")
    return f"{prefix.rstrip('-')}-{digest}"


def check_outer_ids(listings: pd.DataFrame) -> None:
    """Raise ValueError when an outer_id is used twice in the feed (e.g. the same vendor and SKU twice)."""
    repeated = listings[listings["outer_id"].duplicated(keep=False)]
    if not repeated.empty:
        shown = repeated[["vendor_id", "sku", "outer_id"]].head(5).to_dict("records")
        raise ValueError(f"{len(repeated)} listings share an outer_id, e.g. {shown}")
