"""Recognises e-commerce platform exports by their headers and folds them to one row per sellable unit.

Signatures and the columns each folding works with live in config/platforms.yaml. Folding keeps
the platform's column names and each unit's own row (and `source_row`); a unit's empty product-level
cells are filled from the row of the product it belongs to. Decisions:

- Shopify: a handle's first row is the product; every row carrying variant data (Variant SKU,
  Variant Price or Option1 Value) is a unit, the first row included. Other rows are image rows
  (or, for a first row, a product without variant: not sellable). Variants inherit the product's
  cells (Title, Body (HTML), Vendor, …). A unit's title is the product title, then " – " and its
  option values joined with " / " ("Savon lavande – 250 g"), Shopify's "Default Title"
  placeholder left out. A unit without Variant SKU gets the handle, then its option values, as a
  slug ("savon-lavande-250-g"): Shopify guarantees that pair is unique within a shop. Its Image
  Src becomes its variant image, then the product's images by Image Position, joined with ", ".
- WooCommerce: variations are units and inherit their parent's empty cells (Parent is "id:<ID>" or
  the parent's SKU); a variation without a name is called "<parent name> - <attribute values>".
  Variable parents and grouped products are not units. Every other type (simple, external,
  "simple, virtual" …) is a unit. A variation without SKU stays without: WooCommerce has no
  per-variation key besides its database id.
- Magento: children of a configurable product inherit its empty cells; configurable parents,
  grouped products and dynamic-price bundles (no price of their own) are not units; simple,
  virtual, downloadable products and fixed-price bundles are. Store-view rows (store_view_code set)
  restate a product for one store view and are not units.
- PrestaShop (products or combinations), Akeneo, Open Food Facts: one row per product, no folding.

`fold` records what it folded away in the result's `attrs["folded_away"]`: reason ("parent",
"not_sellable", "image_row", "store_view") → row count; raw rows = units + the sum of the counts.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from pipeline.transform.columns import join_cells, text_cells
from pipeline.transform.reading_tables import find_column, normalise_header

UNIT = "unit"
PARENT = "parent"              # a product whose variants / variations / children are the units
NOT_SELLABLE = "not_sellable"  # grouped products, dynamic bundles, Shopify products without variants
IMAGE_ROW = "image_row"
STORE_VIEW = "store_view"


def _alternatives(item: str | list[str]) -> list[str]:
    return [item] if isinstance(item, str) else item


def detect_platform(columns: Sequence[str], platforms: Mapping[str, Any]) -> str | None:
    """The platform of `platforms` (config/platforms.yaml) whose signature headers are all present, or None for a
    plain vendor sheet."""
    for name, spec in platforms.items():
        if all(find_column(list(columns), *_alternatives(item)) for item in spec["signature"]):
            return name
    return None


def fold(frame: pd.DataFrame, platform: str, platforms: Mapping[str, Any]) -> pd.DataFrame:
    """One row per sellable unit of a `platform` export (a platform of `platforms`), with `attrs["folded_away"]`
    counts."""
    if platform not in platforms:
        raise ValueError(f"unknown platform {platform!r}")
    frame = frame.reset_index(drop=True)
    folder = _FOLDERS.get(platform)
    if folder is None:
        units, roles = frame.copy(), pd.Series(UNIT, index=frame.index)
    else:
        units, roles = folder(frame, platforms[platform]["fold"])
    units = units[roles.eq(UNIT)].reset_index(drop=True)
    cells = units.select_dtypes(include="object").columns
    units[cells] = units[cells].where(units[cells].notna(), pd.NA)
    units.attrs["folded_away"] = {str(k): int(v) for k, v in roles[roles.ne(UNIT)].value_counts().items()}
    return units


def _finder(frame: pd.DataFrame) -> Callable[..., str | None]:
    return functools.partial(find_column, list(frame.columns))


def _present(frame: pd.DataFrame, names: list[str]) -> list[str]:
    """The columns of `frame` matching `names`, each once."""
    found = (find_column(list(frame.columns), n) for n in names)
    return list(dict.fromkeys(c for c in found if c is not None))


def _has_type(types: pd.Series, wanted: list[str]) -> pd.Series:
    """Rows whose comma-separated type list ("simple, virtual") holds one of `wanted`."""
    tokens = types.fillna("").str.lower().str.split(",").explode().str.strip()
    found = tokens.isin([w.lower() for w in wanted]).groupby(level=0).any()
    return found.reindex(types.index, fill_value=False)


def _inherit(frame: pd.DataFrame, parent_of: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Fills the empty `columns` cells of each child row (parent_of's index) from its parent row."""
    if parent_of.empty or not columns:
        return frame
    children = parent_of.index
    inherited = frame.loc[parent_of.to_numpy(), columns].set_axis(children)
    frame = frame.copy()
    frame.loc[children, columns] = frame.loc[children, columns].apply(text_cells).fillna(inherited)
    return frame


def _slug(text: pd.Series) -> pd.Series:
    ascii_text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return ascii_text.str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")


def _fold_shopify(frame: pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    col = _finder(frame)
    handle = text_cells(frame[col(spec["handle"])])
    markers = _present(frame, spec["variant_markers"])
    is_unit = frame[markers].apply(text_cells).notna().any(axis=1)
    first = ~handle.duplicated()
    roles = pd.Series(UNIT, index=frame.index).mask(~is_unit & first, NOT_SELLABLE).mask(
        ~is_unit & ~first, IMAGE_ROW)
    product = frame.groupby(handle, sort=False, dropna=False)[_present(frame, spec["inherit"])]
    frame = _name_shopify_variants(frame.fillna(product.transform("first")), spec, handle, is_unit)
    image = col(spec["image"])
    if image is not None:
        frame.loc[is_unit, image] = _shopify_unit_images(frame, handle, is_unit, spec)
    return frame, roles


def _name_shopify_variants(frame: pd.DataFrame, spec: dict[str, Any], handle: pd.Series,
                           is_unit: pd.Series) -> pd.DataFrame:
    """Appends a unit's option values to its title; a unit without SKU gets handle + options as one."""
    col = _finder(frame)
    option_cells = frame[_present(frame, spec["options"])].apply(text_cells)
    options = join_cells(option_cells.mask(option_cells.eq(spec["no_option_value"])),
                         list(option_cells.columns), " / ")
    title = col(spec["title"])
    frame.loc[is_unit & options.notna(), title] = text_cells(frame[title]) + " – " + options
    sku = col(spec["sku"])
    if sku is not None:
        keyless = is_unit & text_cells(frame[sku]).isna()
        key = join_cells(pd.DataFrame({"handle": handle, "options": options}), ["handle", "options"], " ")
        frame.loc[keyless, sku] = _slug(key)
    return frame


def _shopify_unit_images(frame: pd.DataFrame, handle: pd.Series, is_unit: pd.Series,
                         spec: dict[str, Any]) -> pd.Series:
    """Per unit: its variant image, then its product's images by Image Position, joined with ", "."""
    col = _finder(frame)
    position = col(spec["image_position"])
    order = pd.to_numeric(frame[position], errors="coerce") if position else float("nan")
    images = pd.DataFrame({"handle": handle, "url": text_cells(frame[col(spec["image"])]),
                           "order": order}).dropna(subset=["url"])
    units = pd.DataFrame({"unit": frame.index[is_unit], "handle": handle[is_unit].to_numpy()})
    listed = units.merge(images, on="handle")[["unit", "url", "order"]]
    variant_image = col(spec["variant_image"])
    own_url = text_cells(frame[variant_image])[is_unit].to_numpy() if variant_image else pd.NA
    own = pd.DataFrame({"unit": frame.index[is_unit], "order": float("-inf"), "url": own_url})
    ranked = pd.concat([own.dropna(subset=["url"]), listed], ignore_index=True)
    ranked = ranked.sort_values(["unit", "order"], kind="stable", na_position="last")
    ranked = ranked.drop_duplicates(["unit", "url"])
    return _join_by(ranked["unit"], ranked["url"], ", ").reindex(frame.index[is_unit])


def _join_by(key: pd.Series, values: pd.Series, sep: str) -> pd.Series:
    """Per distinct key, its values joined with `sep` in their order (one column per position)."""
    position = values.groupby(key.to_numpy()).cumcount()
    wide = pd.DataFrame({"key": key.to_numpy(), "position": position.to_numpy(), "value": values.to_numpy()}
                        ).pivot(index="key", columns="position", values="value")
    return join_cells(wide, list(wide.columns), sep)


def _fold_woocommerce(frame: pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    col = _finder(frame)
    types = text_cells(frame[col(spec["type"])])
    is_parent = _has_type(types, spec["parent_types"])
    is_child = _has_type(types, spec["child_types"])
    roles = pd.Series(UNIT, index=frame.index).mask(is_parent, PARENT).mask(
        _has_type(types, spec["skipped_types"]) & ~is_child, NOT_SELLABLE)
    parent_of = _woocommerce_parents(frame, spec, is_parent, is_child)
    frame = _name_nameless_variations(frame, spec, parent_of)
    escaped = _present(frame, spec.get("escaped_newlines", []))
    frame[escaped] = frame[escaped].apply(lambda s: s.str.replace("\\n", "\n", regex=False))
    return _inherit(frame, parent_of, _present(frame, spec["inherit"])), roles


def _woocommerce_parents(frame: pd.DataFrame, spec: dict[str, Any], is_parent: pd.Series,
                         is_child: pd.Series) -> pd.Series:
    """Variation row → its parent's row, the Parent cell read as "id:<ID>" or as a SKU."""
    col = _finder(frame)
    parents = frame.index[is_parent]
    keys = [text_cells(frame.loc[parents, col(*spec["sku"])]).str.strip()]
    if col(spec["id"]) is not None:
        keys.append("id:" + text_cells(frame.loc[parents, col(spec["id"])]).str.strip())
    lookup = pd.concat([pd.Series(k.index, index=k.to_numpy()) for k in keys])
    lookup = lookup[lookup.index.notna() & ~lookup.index.duplicated()]
    wanted = text_cells(frame.loc[is_child, col(spec["parent"])]).str.strip()
    return wanted.map(lookup).dropna().astype(int)


def _name_nameless_variations(frame: pd.DataFrame, spec: dict[str, Any],
                              parent_of: pd.Series) -> pd.DataFrame:
    """Names a variation without a name "<parent name> - <attribute values>", as WooCommerce does."""
    name = _finder(frame)(*spec["name"])
    nameless = parent_of[text_cells(frame.loc[parent_of.index, name]).isna()]
    if nameless.empty:
        return frame
    option_columns = [c for c in frame.columns if re.fullmatch(spec["option_pattern"], normalise_header(c))]
    parts = pd.DataFrame({"parent": frame.loc[nameless.to_numpy(), name].to_numpy(),
                          "options": join_cells(frame.loc[nameless.index], option_columns, ", ")},
                         index=nameless.index)
    frame = frame.copy()
    frame.loc[nameless.index, name] = join_cells(parts, ["parent", "options"], " - ")
    return frame


def _fold_magento(frame: pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series]:
    col = _finder(frame)
    types = text_cells(frame[col(spec["type"])]).str.strip().str.lower()
    store_view = col(spec["store_view"])
    no = pd.Series(False, index=frame.index)
    in_store_view = text_cells(frame[store_view]).notna() if store_view else no
    price_type = col(spec["bundle_price_type"])
    fixed_price = text_cells(frame[price_type]).str.strip().str.lower().eq("fixed") if price_type else no
    not_sellable = types.isin(spec["skipped_types"]) | (types.eq(spec["bundle_type"]) & ~fixed_price)
    is_parent = types.isin(spec["parent_types"])
    roles = pd.Series(UNIT, index=frame.index).mask(not_sellable, NOT_SELLABLE).mask(
        is_parent, PARENT).mask(in_store_view, STORE_VIEW)
    parent_of = _magento_parents(frame, spec, is_parent & ~in_store_view, roles.eq(UNIT))
    return _inherit(frame, parent_of, _present(frame, spec["inherit"])), roles


def _magento_parents(frame: pd.DataFrame, spec: dict[str, Any], is_parent: pd.Series,
                     is_unit: pd.Series) -> pd.Series:
    """Child row → its configurable parent's row, from "sku=X,attr=val|sku=Y,…" lists."""
    col = _finder(frame)
    variations = col(spec["variations"])
    if variations is None:
        return pd.Series(dtype=int)
    listed = text_cells(frame.loc[is_parent, variations]).dropna().str.split("|").explode()
    child_skus = listed.str.extract(r"(?:^|,)\s*sku=([^,]*)", expand=False).str.strip().dropna()
    lookup = pd.Series(child_skus.index, index=child_skus.to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    skus = text_cells(frame.loc[is_unit, col(spec["sku"])]).str.strip()
    return skus.map(lookup).dropna().astype(int)


_FOLDERS: dict[str, Callable[[pd.DataFrame, dict[str, Any]], tuple[pd.DataFrame, pd.Series]]] = {
    "shopify": _fold_shopify,
    "woocommerce": _fold_woocommerce,
    "magento": _fold_magento,
}
