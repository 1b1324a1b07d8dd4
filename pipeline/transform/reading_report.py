"""What a vendor and a merchandiser are told about how a sheet was read.

- reading_record: the manifest entry's reading part: each canonical field's column (header, or position in a
  sheet without one), how it was decided and how sure (`columns`), the columns left unused and why a header was
  overruled, where the header was;
- missing_column_rejects / missing_reason: one file-level reject (source_row 0) per required field no column
  can give, and the quarantine reason, naming the columns seen and the fix;
- suggested_profile: a profile.yaml a vendor can copy into its folder, pinning what was guessed and asking for
  what is missing.
Every value a vendor's file chose (header names) is shortened and their number bounded.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from pipeline.transform.column_plan import ColumnPlan
from pipeline.transform.rejects import FILE_ROW, concat_rejects, make_rejects, render
from pipeline.transform.sheet_layout import HEADERLESS_NAME

if TYPE_CHECKING:
    from pipeline.transform.settings import Settings

SHOWN_HEADERS = 12          # headers named in a message
SHOWN_CHARS = 40            # characters of each
SHOWN_COLUMNS = 50          # columns listed in a manifest entry's lists
SURE = 0.7                  # a decision below this confidence is worth pinning in the vendor's profile
EXAMPLES = {"price": "Prix HT", "title": "Désignation", "sku": "Référence"}
GUESSED = ("content", "composed", "derived")     # methods a vendor should confirm (or fix with a column)


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def headers_seen(plan: ColumnPlan) -> str:
    names = [f"« {shown(n)} »" for n in plan.names[:SHOWN_HEADERS]]
    more = len(plan.names) - SHOWN_HEADERS
    return ", ".join(names) + (f" (+{more})" if more > 0 else "")


def reading_record(plan: ColumnPlan, header_row: int | None, sheet: str | None = None) -> dict:
    """The reading part of a file's manifest entry; what the vendor's headers chose is bounded (SHOWN_COLUMNS
    names of SHOWN_CHARS characters at most per list, the rest counted)."""
    record = {"header_row": header_row,
              "columns": {target: _bounded(decision) for target, decision in plan.decisions.items()},
              "columns_unused": _some([shown(n) for n in plan.unused]), "columns_filled_down": []}
    if plan.notes:
        record["columns_overruled"] = dict(list({shown(n): shown(note, 200)
                                                 for n, note in plan.notes.items()}.items())[:SHOWN_COLUMNS])
    if sheet is not None:
        record["sheet"] = shown(sheet)
    return record


def _bounded(decision: Mapping) -> dict:
    bounded = dict(decision)
    if isinstance(bounded.get("column"), str):
        bounded["column"] = shown(bounded["column"], 200)
    for key in ("position", "also"):
        if isinstance(bounded.get(key), list):
            bounded[key] = _some([shown(v) if isinstance(v, str) else v for v in bounded[key]])
    return bounded


def _some(items: list) -> list:
    """At most SHOWN_COLUMNS items, then how many more."""
    return items if len(items) <= SHOWN_COLUMNS else [*items[:SHOWN_COLUMNS], f"(+{len(items) - SHOWN_COLUMNS})"]


def reading_warnings(records: Sequence[Mapping], named: int = 20) -> list[str]:
    """One warning per file whose columns were taken on their content alone or with little confidence, the
    first `named` files by name, then counted."""
    found = []
    for record in records:
        doubtful = [_doubt(target, d) for target, d in (record.get("columns") or {}).items()
                    if d.get("method") in GUESSED or (d.get("confidence") or 1) < SURE]
        if doubtful and record.get("status") != "quarantined":
            found.append(f"columns: {shown(record['path'], 120)}: {'; '.join(doubtful)} (see its vendor's "
                         f"proposed profile.yaml)")
    more = len(found) - named
    return found[:named] + ([f"columns: {more} more files read with guessed columns"] if more > 0 else [])


def _doubt(target: str, decision: Mapping) -> str:
    if decision.get("method") == "derived":
        return f"{target} derived from the title (no reference column)"
    if decision.get("method") == "composed":
        return f"{target} composed of {shown(str(decision.get('column')), 120)}"
    return f"{target} ← {column_label(decision)} ({decision.get('method')}, confidence {decision.get('confidence')})"


def column_label(decision: Mapping) -> str:
    """Where a decision took its field from: the header, or « colonne N » in a sheet without one."""
    if decision.get("column"):
        return str(decision["column"])
    position = decision.get("position")
    return HEADERLESS_NAME.format(position) if isinstance(position, int) else "—"


def _snippet(target: str) -> str:
    return f'columns: {{"Votre colonne": {target}}}'


def missing_reason(plan: ColumnPlan, settings: Settings) -> tuple[str, str]:
    """(French, English) reason a file none of whose columns can give a required field is quarantined."""
    texts = [render("missing_column", target, headers_seen(plan),
                    {"example": EXAMPLES.get(target, target), "detail": _snippet(target)}, settings)
             for target in plan.missing]
    return " ".join(t[0] for t in texts), " ".join(t[1] for t in texts)


def missing_column_rejects(plan: ColumnPlan, vendor_id: str, source_file: str, settings: Settings) -> pd.DataFrame:
    """One reject about the whole file (source_row 0) per required field no column can give."""
    lineage = pd.DataFrame({"vendor_id": [vendor_id], "source_file": [source_file], "source_row": [FILE_ROW],
                            "sku": [pd.NA]})
    return concat_rejects([make_rejects(lineage, field=target, rule="missing_column", settings=settings,
                                        value=pd.Series([headers_seen(plan)]),
                                        example=EXAMPLES.get(target, target), detail=_snippet(target))
                           for target in plan.missing])


def needs_profile(record: Mapping) -> bool:
    """Whether a file's reading guessed something a vendor should confirm, or missed a required field."""
    if record.get("missing_columns"):
        return True
    return any(d.get("method") in GUESSED or (d.get("confidence") or 1) < SURE
               for d in record.get("columns", {}).values())


def suggested_profile(vendor_id: str, records: Sequence[Mapping]) -> str | None:
    """profile.yaml text for a vendor whose files' reading needs confirming, else None. It maps the columns that
    were read (to keep them read so), and asks, in comments, for the columns that were missing or guessed."""
    records = [r for r in records if r.get("columns") is not None and needs_profile(r)]
    if not records:
        return None
    columns: dict[str, str] = {}
    asks: list[str] = []
    for record in records:
        for target, decision in record["columns"].items():
            column = _pinnable(decision)
            if column:
                columns.setdefault(column, target)
            if decision.get("method") in GUESSED or (decision.get("confidence") or 1) < SURE:
                asks.append(f"# {target}: {_said(decision)} ({shown(record['path'], 80)})")
        for target in record.get("missing_columns", []):
            asks.append(f"# {target}: aucune colonne trouvée dans {shown(record['path'], 80)} ; "
                        f"ajoutez ici  \"Votre colonne\": {target}")
    head = (f"# Profil proposé pour « {vendor_id} » d'après la lecture de ses fichiers. Copiez ce fichier dans\n"
            "# votre dossier sous le nom profile.yaml, vérifiez chaque colonne, complétez ce qui manque.\n"
            "# Suggested profile: copy it into the vendor's folder as profile.yaml, check it, complete it.\n")
    body = yaml.safe_dump({"columns": columns} if columns else {"columns": {}}, allow_unicode=True, sort_keys=False)
    return head + body + ("\n".join(dict.fromkeys(asks)) + "\n" if asks else "")


def _pinnable(decision: Mapping) -> str | None:
    """The column a profile can name for a decision: its header, or « colonne N » in a sheet without one."""
    if decision.get("method") in ("composed", "derived", "barcode", "title"):
        return None
    label = column_label(decision)
    return None if label == "—" else label


def _said(decision: Mapping) -> str:
    method = decision.get("method")
    if method == "derived":
        return "pas de colonne de référence : une référence est calculée d'après la désignation"
    if method == "barcode":
        return "pas de colonne de référence : le code EAN sert de référence"
    if method == "title":
        return "contenance lue dans la désignation"
    if method == "composed":
        return f"désignation composée de {shown(decision.get('column') or 'plusieurs colonnes', 120)}"
    confidence = decision.get("confidence")
    return f"« {shown(column_label(decision))} » choisie d'après son contenu, à confirmer (confiance {confidence})"


def suggested_profiles(records: Sequence[Mapping]) -> list[tuple[str, str]]:
    """(vendor_id, profile.yaml text) for each vendor whose files' reading needs confirming."""
    by_vendor: dict[str, list[Mapping]] = {}
    for record in records:
        if record.get("vendor_id"):
            by_vendor.setdefault(record["vendor_id"], []).append(record)
    found = [(vendor, suggested_profile(vendor, rows)) for vendor, rows in sorted(by_vendor.items())]
    return [(vendor, text) for vendor, text in found if text]
