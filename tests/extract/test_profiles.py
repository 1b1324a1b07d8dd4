"""Vendor profiles <intake>/<vendor_id>/profile.yaml (pipeline/extract/profiles.py)."""
from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import fsspec
import pytest

from pipeline.extract.profiles import (
    CHECKS,
    MAX_PROFILE_BYTES,
    ProfileError,
    VendorProfile,
    load_profile,
    parse_profile,
)


def write_profile(intake: Path, vendor_id: str, text: str) -> None:
    (intake / vendor_id).mkdir(parents=True, exist_ok=True)
    (intake / vendor_id / "profile.yaml").write_text(text, encoding="utf-8")


def test_absent_profile_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "savonnerie-du-midi").mkdir()
    profile = load_profile(str(tmp_path), "savonnerie-du-midi")
    assert profile == VendorProfile(vendor_id="savonnerie-du-midi")
    assert (profile.brand, profile.currency, profile.origin, profile.source_lang, profile.opencc_config) == \
        ("savonnerie-du-midi", "EUR", "France", "fr", "t2s")
    assert profile.columns == {} and profile.price_includes_vat is None and profile.header_row is None


def test_brand_defaults_to_vendor_name() -> None:
    assert VendorProfile("v", vendor_name="Savonnerie du Midi").brand == "Savonnerie du Midi"
    assert VendorProfile("v", vendor_name="Savonnerie du Midi", brand="Le Sérail").brand == "Le Sérail"


def test_full_profile_is_read(tmp_path: Path) -> None:
    write_profile(tmp_path, "moulin", """
vendor_name: Moulin de la Vallée
columns:
  Réf. article: sku
  Libellé: title
  "2024": price
encoding: cp1252
delimiter: tab
header_row: 3
sheet: Tarifs
source_lang: fr
price_includes_vat: true
currency: eur
origin: Provence, France
opencc_config: tw2sp
product_class: food
""")
    profile = load_profile(str(tmp_path), "moulin")
    assert profile == VendorProfile(
        vendor_id="moulin", vendor_name="Moulin de la Vallée", brand="Moulin de la Vallée",
        columns={"Réf. article": "sku", "Libellé": "title", "2024": "price"}, encoding="cp1252",
        delimiter="\t", header_row=3, sheet="Tarifs", price_includes_vat=True, currency="EUR",
        origin="Provence, France", opencc_config="tw2sp", product_class="food")


def test_empty_profile_gives_defaults() -> None:
    assert parse_profile("# nothing yet\n", "v", "v/profile.yaml") == VendorProfile("v")


def test_every_profile_field_has_a_check() -> None:
    assert set(CHECKS) == {f.name for f in dataclasses.fields(VendorProfile)} - {"vendor_id"}


@pytest.mark.parametrize(("text", "message"), [
    ("delimter: ';'\n", "unknown key 'delimter'; did you mean 'delimiter'?"),
    ("vendor_id: other\n", "unknown key 'vendor_id'; the vendor id is the name of the vendor's folder"),
    ("header_row: deux\n", "key 'header_row' must be a row number (1 or more), not 'deux'"),
    ("header_row: 0\n", "key 'header_row' must be a row number"),
    ("header_row: true\n", "key 'header_row' must be a row number"),
    ("price_includes_vat: peut-être\n", "key 'price_includes_vat' must be true or false"),
    ("delimiter: '|'\n", "key 'delimiter' must be ';', ',' or tab"),
    ("encoding: klingon\n", "key 'encoding' must be an encoding name"),
    ("currency: euro\n", "key 'currency' must be a three-letter ISO 4217 code"),
    ("opencc_config: s2t\n", "key 'opencc_config' must be one of t2s, tw2sp, tw2s, hk2s"),
    ("origin: 12\n", "key 'origin' must be a non-empty text"),
    ("columns: [sku, title]\n", "key 'columns' must be a mapping"),
    ("columns:\n  Réf: reference\n", "'reference' is not one"),
    ("columns:\n  2024: price\n", 'quote headers like "2024"'),
    ("- just\n- a list\n", "expected key: value pairs, found list"),
    ("vendor_name: [unclosed\n", "not valid YAML at line 2"),
])
def test_bad_profiles_name_the_file_and_the_key(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, "v", "intake/v/profile.yaml")
    assert str(caught.value).startswith("intake/v/profile.yaml: ")
    assert message in str(caught.value)


def test_load_profile_names_the_file_in_the_vendors_folder(tmp_path: Path) -> None:
    write_profile(tmp_path, "v", "colour: blue\n")
    with pytest.raises(ProfileError, match=r"^v/profile\.yaml: unknown key 'colour'") as raised:
        load_profile(str(tmp_path), "v")
    assert str(tmp_path) not in str(raised.value)            # the intake's own place is not for the manifest


def test_profile_from_fsspec_memory() -> None:
    root = f"memory://profiles-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{root}/v/profile.yaml", "\ufeffvendor_name: Confiserie\n".encode())
    try:
        assert load_profile(root + "/", "v").vendor_name == "Confiserie"
        assert load_profile(root, "absent") == VendorProfile("absent")
    finally:
        fs.rm(root, recursive=True)


def test_profile_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "profile.yaml").write_bytes("vendor_name: Négociant\n".encode("cp1252"))
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(str(tmp_path), "v")


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"{n}: &{n} [{', '.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    with pytest.raises(ProfileError, match="aliases are not allowed"):
        parse_profile("\n".join(laughs), "v", "v/profile.yaml")


def test_a_wrong_value_is_shown_cut_short() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile("currency: " + "X" * 100_000, "v", "v/profile.yaml")
    assert len(str(caught.value)) < 300 and "currency" in str(caught.value)


def test_a_profile_too_large_or_linked_is_refused(tmp_path) -> None:
    vendor = tmp_path / "v"
    vendor.mkdir()
    (vendor / "profile.yaml").write_text("# " + "x" * (MAX_PROFILE_BYTES + 1))
    with pytest.raises(ProfileError, match="bytes"):
        load_profile(str(tmp_path), "v")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("currency: CHF\n")
    (vendor / "profile.yaml").unlink()
    (vendor / "profile.yaml").symlink_to(outside)
    with pytest.raises(ProfileError, match="symbolic link"):
        load_profile(str(tmp_path), "v")
