"""Synthetic vendor intake (`eprovence synth`): realistic Provençal product sheets in the dialects real
vendors send, a few deliberately bad rows, and the `translations.csv` memory that covers every text.

Owns the mix of sheet dialects (data/samples/README.md describes the real ones they imitate) and the
generator itself; the product vocabulary (French with a Simplified-Chinese rendering per word group) is
invented sample data in synth/vocabulary.yaml.
Generation is vectorised with numpy and written in chunks, so memory stays bounded for millions of rows;
the same seed gives the same bytes. Every bad row carries exactly one fault, counted per reject rule.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from pipeline import config
from pipeline.transform.segments_text import normalise_segment

CHUNK_ROWS = 100_000
BAD_ROW_SHARE = 0.005
NBSP = "\u00a0"                     # French Excel: before € and between thousands
GS1_FRANCE = 376                    # GS1 France prefix; company numbers and item references are invented
TRANSLATIONS_FILE = "translations.csv"
FAULTS = ("money_unreadable", "gtin_scientific", "below_min", "shelf_life_too_short")  # the rule each trips


class Term(NamedTuple):
    """A word group in French and Simplified Chinese, with the ingredient it adds (if any) in both."""

    fr: str
    zh: str
    ingredient_fr: str = ""
    ingredient_zh: str = ""


class Size(NamedTuple):
    """A net content as printed, in Chinese, its price relative to the family's first size, how often sold."""

    fr: str
    zh: str
    price_factor: float
    weight: float = 1.0


@dataclass(frozen=True)
class Family:
    """A product family: titles are product × variant × qualifier × size."""

    code: str                       # middle part of the SKU
    category: str                   # the vendor's category cell
    kind: str                       # food | cosmetics | home: picks the VAT rate and the care paragraphs
    products: tuple[Term, ...]
    variants: tuple[Term, ...]
    qualifiers: tuple[Term, ...]
    sizes: tuple[Size, ...]
    price_cents: int                # consumer price, VAT included, of the first size
    shelf_life_months: tuple[int, ...]   # () for goods sold without a DDM (candles, sachets)
    methods: tuple[Term, ...]       # the second half of the product paragraph


# The VAT rate of each kind of goods: that of config/vat.yaml's class for it (the rates' sources are there).
VAT_CLASS_OF_KIND = {"food": "food", "cosmetics": "cosmetics", "home": "home_fragrance"}
VAT_RATES = {kind: float(config.config_file("vat.yaml")["rates"][vat_class])
             for kind, vat_class in VAT_CLASS_OF_KIND.items()}

# The invented sample vocabulary (synth/vocabulary.yaml describes it), read once at import: synth's data, not the
# pipeline's config.
_VOCABULARY: dict[str, Any] = config.load_yaml(Path(__file__).with_name("vocabulary.yaml"))   # shared: never mutate


def _terms(rows: list[list[str]]) -> tuple[Term, ...]:
    return tuple(Term(*row) for row in rows)


def _family(entry: dict[str, Any]) -> Family:
    return Family(entry["code"], entry["category"], entry["kind"],
                  products=_terms(entry["products"]), variants=_terms(entry["variants"]),
                  qualifiers=_terms(entry["qualifiers"]), sizes=tuple(Size(*row) for row in entry["sizes"]),
                  price_cents=entry["price_cents"], shelf_life_months=tuple(entry["shelf_life_months"]),
                  methods=_terms(entry["methods"]))


FAMILIES: tuple[Family, ...] = tuple(_family(entry) for entry in _VOCABULARY["families"])
# Care and use paragraphs, one of which may close a description, by family kind.
CARE_PARAGRAPHS: dict[str, tuple[Term, ...]] = {kind: _terms(rows)
                                                for kind, rows in _VOCABULARY["care_paragraphs"].items()}
# Where a vendor works: the town fills its own paragraph ({town}) of every description it writes.
TOWNS: tuple[Term, ...] = _terms(_VOCABULARY["towns"])
VENDOR_PARAGRAPHS: tuple[Term, ...] = _terms(_VOCABULARY["vendor_paragraphs"])
# Vendor names are "<trade> <place>"; a trade sells the families listed with it ("all": every family).
TRADES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (trade["trade"], tuple(f.code for f in FAMILIES) if trade["families"] == "all" else tuple(trade["families"]))
    for trade in _VOCABULARY["trades"])
PLACES: tuple[str, ...] = tuple(_VOCABULARY["places"])


@dataclass(frozen=True)
class Dialect:
    """How a vendor's sheet is written; `headers` maps canonical source names to its headers, in order."""

    file_name: str
    encoding: str
    delimiter: str
    line_end: str
    headers: dict[str, str]
    french_money: bool              # "12,50 €", VAT included; else "12.50" beside a currency column
    shelf_life_unit: str


DIALECTS = (
    Dialect("cp1252-semicolon-ttc.csv", "cp1252", ";", "\r\n",
            {"sku": "Référence", "title": "Désignation", "description": "Description", "price": "Prix TTC",
             "net_content": "Contenance", "barcode": "Code EAN", "stock": "Stock", "shelf_life": "DDM",
             "category": "Catégorie", "ingredients": "Ingrédients"}, True, "mois"),
    Dialect("utf8-comma-price-currency.csv", "utf-8", ",", "\n",
            {name: name for name in ("sku", "title", "description", "price", "currency", "net_content",
                                     "barcode", "stock", "shelf_life", "category", "ingredients")},
            False, "months"),
    Dialect("utf8-bom-comma-prix-ht.csv", "utf-8-sig", ",", "\r\n",
            {"sku": "Réf.", "title": "Nom du produit", "description": "Description", "price": "Prix HT",
             "currency": "Devise", "net_content": "Contenance", "barcode": "EAN13", "stock": "Qté",
             "shelf_life": "DLUO", "category": "Famille", "ingredients": "Ingrédients"}, False, "mois"),
)
CHF_PER_EUR = 0.94                  # a round rate for invented Swiss price lists; the run uses ECB rates
CHF_SHARE = 0.08                    # share of rows a UTF-8 vendor prices in CHF


@dataclass
class SynthSummary:
    """What `generate` wrote: data rows per file (paths relative to the output folder), bad rows per reject
    rule they trip, and how many distinct text segments translations.csv holds."""

    files: dict[str, int]
    bad_rows: dict[str, int]
    distinct_texts: int
    out: str

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    @property
    def bad_rows_total(self) -> int:
        return sum(self.bad_rows.values())

    def lines(self) -> list[str]:
        faults = ", ".join(f"{rule} {count}" for rule, count in self.bad_rows.items())
        return [f"{self.rows} rows in {len(self.files)} files under {self.out}/intake",
                f"{self.bad_rows_total} bad rows ({faults})",
                f"{self.distinct_texts} distinct texts in {self.out}/{TRANSLATIONS_FILE}"]


@dataclass
class Catalogue:
    """Every sellable item (one per family × product × variant × qualifier × size) and the texts they use.

    `items` columns: family, title, paragraph, care (-1: none), ingredients (indices into the text lists),
    net_content, price_cents (VAT included), vat, shelf_life_months (0: none), weight (how often sold).
    """

    items: pd.DataFrame
    titles: list[Term]
    paragraphs: list[Term]          # product paragraphs, care paragraphs, vendor paragraphs
    ingredients: list[Term]
    vendor_paragraphs: np.ndarray   # index in `paragraphs` of each (template, town) pair, town-major


class _Texts:
    """Distinct texts in first-seen order; `add` returns a text's index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.terms: list[Term] = []

    def add(self, fr: str, zh: str) -> int:
        if fr not in self.index:
            self.index[fr] = len(self.terms)
            self.terms.append(Term(fr, zh))
        return self.index[fr]


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _combinations(rng: np.random.Generator) -> pd.DataFrame:
    """family, product, variant, qualifier, size indices of every item, with a method per product line."""
    frames = []
    for number, family in enumerate(FAMILIES):
        shape = (len(family.products), len(family.variants), len(family.qualifiers), len(family.sizes))
        grid = np.indices(shape).reshape(len(shape), -1)
        frame = pd.DataFrame(dict(zip(("product", "variant", "qualifier", "size"), grid, strict=True)))
        lines = frame.groupby(["product", "variant", "qualifier"]).ngroup().to_numpy()
        frame["method"] = rng.integers(0, len(family.methods), lines.max() + 1)[lines]
        frames.append(frame.assign(family=number))
    return pd.concat(frames, ignore_index=True)


def _item_texts(combos: pd.DataFrame) -> tuple[pd.DataFrame, _Texts, _Texts, _Texts]:
    """Title, product paragraph and ingredients of each item, as indices into three text lists."""
    titles, paragraphs, ingredients = _Texts(), _Texts(), _Texts()
    indices = []
    columns = ["family", "product", "variant", "qualifier", "size", "method"]
    for f, p, v, q, s, m in combos[columns].itertuples(index=False, name=None):
        family = FAMILIES[f]
        product, variant, qualifier = family.products[p], family.variants[v], family.qualifiers[q]
        size, method = family.sizes[s], family.methods[m]
        name_fr = _join(product.fr, variant.fr, qualifier.fr)
        name_zh = qualifier.zh + variant.zh + product.zh
        parts = [(product.ingredient_fr, product.ingredient_zh)]
        if variant.ingredient_fr and variant.ingredient_fr not in product.ingredient_fr:
            parts.append((variant.ingredient_fr, variant.ingredient_zh))
        listed_fr = ", ".join(fr for fr, _ in parts)
        indices.append((titles.add(f"{name_fr} – {size.fr}", f"{name_zh} {size.zh}"),
                        paragraphs.add(f"{name_fr}, {method.fr}.", f"{name_zh}，{method.zh}。"),
                        ingredients.add(listed_fr[0].upper() + listed_fr[1:] + ".",
                                        "、".join(zh for _, zh in parts) + "。")))
    frame = pd.DataFrame(indices, columns=["title", "paragraph", "ingredients"], index=combos.index)
    return frame, titles, paragraphs, ingredients


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    """The catalogue every vendor sells from; prices, shelf lives and care paragraphs drawn from `rng`."""
    combos = _combinations(rng)
    texts, titles, paragraphs, ingredients = _item_texts(combos)
    care_options = {kind: tuple(paragraphs.add(term.fr, term.zh) for term in terms)
                    for kind, terms in CARE_PARAGRAPHS.items()}
    vendor_paragraphs = np.array([paragraphs.add(template.fr.format(town=town.fr),
                                                 template.zh.format(town=town.zh))
                                  for town in TOWNS for template in VENDOR_PARAGRAPHS])
    families = [FAMILIES[f] for f in combos["family"]]
    sizes = [family.sizes[s] for family, s in zip(families, combos["size"], strict=True)]
    care = _pick_each([care_options[family.kind] for family in families], rng)
    price = (np.array([family.price_cents for family in families]) * np.array([s.price_factor for s in sizes])
             * rng.uniform(0.9, 1.15, len(combos)))
    items = texts.assign(
        family=combos["family"].to_numpy(),
        care=np.where(rng.random(len(combos)) < 0.3, -1, care),
        net_content=[s.fr for s in sizes],
        price_cents=price.round().astype(np.int64),
        vat=[VAT_RATES[family.kind] for family in families],
        shelf_life_months=_pick_each([family.shelf_life_months or (0,) for family in families], rng),
        weight=[s.weight for s in sizes])
    return Catalogue(items, titles.terms, paragraphs.terms, ingredients.terms, vendor_paragraphs)


def _pick_each(options: list[tuple[int, ...]], rng: np.random.Generator) -> np.ndarray:
    """One element of each tuple, drawn uniformly."""
    counts = np.array([len(option) for option in options])
    picks = (rng.random(len(options)) * counts).astype(np.int64)
    return np.array([option[pick] for option, pick in zip(options, picks, strict=True)], dtype=np.int64)


@dataclass(frozen=True)
class Vendor:
    """One invented producer: its folder, its sheet dialect and what it sells at which prices."""

    vendor_id: str
    name: str
    dialect: Dialect
    rows: int
    items: np.ndarray               # catalogue rows it sells
    paragraph: int                  # its own paragraph, closing each description (index in paragraphs)
    price_factor: float
    euro_space: str                 # what stands before "€": a no-break space (Excel) or a plain one
    company: int                    # invented GS1 company number
    item_digits: int                # digits of the item reference that follows it in the EAN

    @property
    def sku_prefix(self) -> str:
        """Initials of the name: "Savonnerie du Vieux Lavoir" → "SVL"."""
        return "".join(ch for ch in _ascii(self.name) if ch.isupper())


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _vendor_names(count: int, rng: np.random.Generator) -> list[tuple[str, str, tuple[str, ...]]]:
    """(vendor_id, name, family codes) of `count` vendors; ids get "-2", "-3" … once names run out."""
    pairs = list(itertools.product(TRADES, PLACES))
    order = rng.permutation(len(pairs))
    named = []
    for number in range(count):
        (trade, codes), place = pairs[order[number % len(pairs)]]
        name = f"{trade} {place}"
        slug = _ascii(re.sub(r"[\W_]+", "-", name.lower())).strip("-")
        named.append((slug if number < len(pairs) else f"{slug}-{number // len(pairs) + 1}", name, codes))
    return named


def _dialects(count: int, rng: np.random.Generator) -> list[Dialect]:
    """count // 2 French Excel sheets, the others alternately each UTF-8 dialect, in a shuffled order."""
    kinds = np.empty(count, dtype=np.int64)
    kinds[rng.permutation(count)] = [0 if j < count // 2 else 1 + (j - count // 2) % 2 for j in range(count)]
    return [DIALECTS[kind] for kind in kinds]


def plan_vendors(rows: int, count: int, catalogue: Catalogue, rng: np.random.Generator) -> list[Vendor]:
    """`count` vendors sharing `rows` unevenly, each selling part of its trade's families."""
    if count < 1 or rows < count:
        raise ValueError(f"need at least one vendor and one row per vendor (rows={rows}, vendors={count})")
    row_counts = 1 + rng.multinomial(rows - count, rng.dirichlet(np.full(count, 2.0)))
    dialects = _dialects(count, rng)
    family_codes = np.array([FAMILIES[f].code for f in catalogue.items["family"]])
    plan = []
    for number, (vendor_id, name, codes) in enumerate(_vendor_names(count, rng)):
        offered = np.flatnonzero(np.isin(family_codes, codes))
        kept = offered[rng.random(len(offered)) < 0.7]
        item_digits = max(4, len(str(row_counts[number])))
        if item_digits > 9:
            raise ValueError(f"{row_counts[number]} rows for one vendor do not fit in EAN-13 item references")
        company_digits = 9 - item_digits
        company = int(rng.integers(10 ** (company_digits - 1), 10**company_digits)) if company_digits else 0
        plan.append(Vendor(vendor_id, name, dialects[number], int(row_counts[number]),
                           kept if len(kept) else offered, int(rng.choice(catalogue.vendor_paragraphs)),
                           float(rng.uniform(0.9, 1.25)), NBSP if rng.random() < 0.8 else " ", company,
                           item_digits))
    return plan


def ean13(bodies: np.ndarray) -> np.ndarray:
    """EAN-13 numbers from their twelve-digit bodies (GS1 weights 3, 1, 3 … from the rightmost digit)."""
    total = np.zeros_like(bodies)
    rest = bodies.copy()
    for position in range(12):
        total += (rest % 10) * (3 if position % 2 == 0 else 1)
        rest //= 10
    return bodies * 10 + (10 - total % 10) % 10


def _scientific(eans: np.ndarray, decimal_mark: str) -> np.ndarray:
    """EANs as a spreadsheet shows a number column too narrow for them: "3,76099E+12" (French Excel)."""
    distinct, positions = np.unique((eans + 5 * 10**6) // 10**7, return_inverse=True)
    shown = [f"{m}"[0] + decimal_mark + f"{m}"[1:].rstrip("0") + "E+12" for m in distinct]
    return np.array(shown, dtype=object)[positions]


def format_prices(cents: np.ndarray, french_money: bool, euro_space: str = NBSP) -> np.ndarray:
    """Prices as a sheet writes them: "1 234,50 €" (French Excel: no-break spaces) or "1234.50"."""
    distinct, positions = np.unique(cents, return_inverse=True)
    if french_money:
        text = [f"{c // 100:,}".replace(",", NBSP) + f",{c % 100:02d}{euro_space}€" for c in distinct]
    else:
        text = [f"{c // 100}.{c % 100:02d}" for c in distinct]
    return np.array(text, dtype=object)[positions]


def _round_cents(cents: np.ndarray) -> np.ndarray:
    """To the ten cents, never below 0.10."""
    return np.maximum(10, np.round(cents / 10).astype(np.int64) * 10)


def vendor_table(vendor: Vendor, catalogue: Catalogue) -> dict[str, np.ndarray]:
    """The cells of each item the vendor sells as its sheet writes them; drawn rows take from these."""
    items = catalogue.items.iloc[vendor.items]
    paragraphs = np.array([term.fr for term in catalogue.paragraphs], dtype=object)
    own = paragraphs[vendor.paragraph]
    description = [f"{main}\n{own}" + (f"\n{paragraphs[care]}" if care >= 0 else "")
                   for main, care in zip(paragraphs[items["paragraph"]], items["care"], strict=True)]
    months = items["shelf_life_months"].to_numpy()
    cents = items["price_cents"].to_numpy() * vendor.price_factor
    if not vendor.dialect.french_money:
        cents = cents / (1 + items["vat"].to_numpy())
    cents = _round_cents(cents)
    codes = np.array([FAMILIES[f].code for f in items["family"]], dtype=object)
    shelf_life = months.astype(str).astype(object) + f" {vendor.dialect.shelf_life_unit}"
    return {
        "title": np.array([catalogue.titles[i].fr for i in items["title"]], dtype=object),
        "description": np.array(description, dtype=object),
        "price": format_prices(cents, vendor.dialect.french_money, vendor.euro_space),
        "price_chf": format_prices(_round_cents(cents * CHF_PER_EUR), vendor.dialect.french_money),
        "net_content": items["net_content"].to_numpy(dtype=object),
        "shelf_life": np.where(months > 0, shelf_life, ""),
        "category": np.array([FAMILIES[f].category for f in items["family"]], dtype=object),
        "ingredients": np.array([catalogue.ingredients[i].fr for i in items["ingredients"]], dtype=object),
        "sku_head": (f"{vendor.sku_prefix}-" + codes + "-").astype(np.dtypes.StringDType()),
        "weight": items["weight"].to_numpy() / items["weight"].sum(),
    }


def draw_rows(vendor: Vendor, table: dict[str, np.ndarray], start: int, count: int,
              rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(sheet rows start+1 … start+count under the vendor's headers, bad rows per FAULTS, items drawn)."""
    picked = rng.choice(len(table["weight"]), size=count, p=table["weight"])
    serial = np.arange(start + 1, start + count + 1, dtype=np.int64)
    cells = {name: table[name][picked]
             for name in ("title", "description", "net_content", "shelf_life", "category", "ingredients")}
    serial_text = np.strings.zfill(serial.astype(np.dtypes.StringDType()), vendor.item_digits)
    cells["sku"] = np.strings.add(table["sku_head"][picked], serial_text)
    eans = ean13(GS1_FRANCE * 10**9 + vendor.company * 10**vendor.item_digits + serial)
    cells["barcode"] = eans.astype(str).astype(object)
    stock = rng.integers(0, 500, count)
    chf = np.zeros(count, dtype=bool) if vendor.dialect.french_money else rng.random(count) < CHF_SHARE
    cells["price"] = np.where(chf, table["price_chf"][picked], table["price"][picked])
    cells["currency"] = np.where(chf, "CHF", "EUR").astype(object)
    faulty = _faulty_rows(count, rng)
    _spoil(cells, stock, eans, vendor.dialect, faulty, rng)
    cells["stock"] = stock.astype(str).astype(object)
    headers = vendor.dialect.headers
    frame = pd.DataFrame({header: cells[name] for name, header in headers.items()}, dtype=object)
    return frame, np.array([len(rows) for rows in faulty]), picked


def _faulty_rows(count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """For each fault of FAULTS, the rows (about BAD_ROW_SHARE of all, one fault each) that get it."""
    bad = np.flatnonzero(rng.random(count) < BAD_ROW_SHARE)
    fault = rng.integers(0, len(FAULTS), len(bad))
    return [bad[fault == number] for number in range(len(FAULTS))]


def _spoil(cells: dict[str, np.ndarray], stock: np.ndarray, eans: np.ndarray, dialect: Dialect,
           faulty: list[np.ndarray], rng: np.random.Generator) -> None:
    """Give each faulty row its fault, in place: a price on request, an EAN Excel turned into scientific
    notation, a negative stock, a shelf life too short for E-Provence (in the order of FAULTS)."""
    price, scientific, negative, short = faulty
    cells["price"][price] = "sur demande"
    cells["barcode"][scientific] = _scientific(eans[scientific], "," if dialect.french_money else ".")
    stock[negative] = -rng.integers(1, 10, len(negative))
    cells["shelf_life"][short] = f"3 {dialect.shelf_life_unit}"


def write_vendor_sheet(vendor: Vendor, catalogue: Catalogue, path: Path,
                       entropy: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Write the vendor's sheet CHUNK_ROWS rows at a time; (bad rows per FAULTS, catalogue items used)."""
    table = vendor_table(vendor, catalogue)
    dialect = vendor.dialect
    faults = np.zeros(len(FAULTS), dtype=np.int64)
    drawn = np.zeros(len(vendor.items), dtype=bool)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=dialect.encoding, newline="") as handle:
        for number, start in enumerate(range(0, vendor.rows, CHUNK_ROWS)):
            rng = np.random.default_rng([*entropy, number])
            frame, bad, picked = draw_rows(vendor, table, start, min(CHUNK_ROWS, vendor.rows - start), rng)
            frame.to_csv(handle, sep=dialect.delimiter, index=False, header=number == 0,
                         lineterminator=dialect.line_end)
            faults += bad
            drawn[np.unique(picked)] = True
    return faults, vendor.items[drawn]


@dataclass
class _UsedTexts:
    """Which catalogue texts the written sheets contain."""

    titles: np.ndarray
    paragraphs: np.ndarray
    ingredients: np.ndarray

    @classmethod
    def none_of(cls, catalogue: Catalogue) -> _UsedTexts:
        return cls(*(np.zeros(len(texts), dtype=bool)
                     for texts in (catalogue.titles, catalogue.paragraphs, catalogue.ingredients)))

    def mark(self, catalogue: Catalogue, items: np.ndarray, vendor_paragraph: int) -> None:
        rows = catalogue.items.iloc[items]
        self.titles[rows["title"]] = True
        self.paragraphs[rows["paragraph"]] = True
        self.paragraphs[rows.loc[rows["care"] >= 0, "care"]] = True
        self.paragraphs[vendor_paragraph] = True
        self.ingredients[rows["ingredients"]] = True


def write_translations(catalogue: Catalogue, used: _UsedTexts, path: Path) -> int:
    """translations.csv (UTF-8, `source,target`): each used text once, its source normalised as the
    memory keys it; returns the number of lines."""
    lists = ((catalogue.titles, used.titles), (catalogue.paragraphs, used.paragraphs),
             (catalogue.ingredients, used.ingredients))
    terms = [term for texts, flags in lists for term, flag in zip(texts, flags, strict=True) if flag]
    frame = pd.DataFrame({"source": [normalise_segment(term.fr) for term in terms],
                          "target": [term.zh for term in terms]}).drop_duplicates("source")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return len(frame)


def generate(rows: int, vendors: int, seed: int, out: str | Path) -> SynthSummary:
    """Write `rows` product rows of `vendors` vendors to `out`/intake/<vendor_id>/<dialect>.csv, and
    `out`/translations.csv. Other files in `out` are left alone. ValueError for impossible sizes."""
    if seed < 0:
        raise ValueError(f"the seed must be zero or positive, not {seed}")
    rng = np.random.default_rng([seed, 0])
    catalogue = build_catalogue(rng)
    out = Path(out)
    used = _UsedTexts.none_of(catalogue)
    files: dict[str, int] = {}
    faults = np.zeros(len(FAULTS), dtype=np.int64)
    for number, vendor in enumerate(plan_vendors(rows, vendors, catalogue, rng), start=1):
        relative = f"intake/{vendor.vendor_id}/{vendor.dialect.file_name}"
        bad, items = write_vendor_sheet(vendor, catalogue, out / relative, [seed, number])
        used.mark(catalogue, items, vendor.paragraph)
        files[relative] = vendor.rows
        faults += bad
    distinct = write_translations(catalogue, used, out / TRANSLATIONS_FILE)
    return SynthSummary(files, dict(zip(FAULTS, faults.tolist(), strict=True)), distinct, str(out))


def main(rows: int, vendors: int, seed: int, out: str) -> SynthSummary:
    """`eprovence synth`: generate, then print what was written."""
    summary = generate(rows, vendors, seed, out)
    print("\n".join(summary.lines()))
    return summary
