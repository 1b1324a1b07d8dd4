"""Writes the sample intake files that are not plain UTF-8 text (a cp1252 CSV, an XLSX) from the rows below.

Run from the project root: `.venv/bin/python data/samples/make_samples.py`. The output is deterministic
(same bytes on every run) and committed, so a change to these rows shows up in the diff of this script.
The UTF-8 samples beside them are written by hand; data/samples/README.md lists every file.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

INTAKE = Path(__file__).resolve().parent / "intake"
NBSP = "\u00a0"  # French Excel puts a no-break space before € and between thousands
FIXED_TIME = datetime(2026, 1, 5, 9, 30, 0)


def gs1_check_digit(body: str) -> str:
    """The GS1 check digit of a GTIN body (weights 3, 1, 3, … from the rightmost body digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ean13(body: str) -> str:
    """A valid EAN-13 from its first twelve digits."""
    return body + gs1_check_digit(body)


def ean13_with_wrong_check_digit(body: str) -> str:
    """An EAN-13 whose last digit is off by one: a typo a check-digit test must catch."""
    return body + str((int(gs1_check_digit(body)) + 1) % 10)


def euros(amount: str) -> str:
    """A price as French Excel formats a currency cell: '1 234,50 €' with no-break spaces."""
    return amount.replace(" ", NBSP) + NBSP + "€"


# --- savonnerie-du-vieux-lavoir: French Excel "CSV (séparateur : point-virgule)", cp1252, CRLF -----------
SOAP_FILE = INTAKE / "savonnerie-du-vieux-lavoir" / "cp1252-semicolon-ttc.csv"
SOAP_HEADER = ["Référence", "Désignation", "Description", "Prix TTC", "Contenance", "Code EAN", "Stock",
               "DDM"]
SOAP_ROWS = [  # spreadsheet rows 2–15
    ["SVL-MAR72-100", "Savon de Marseille 72 % huile d’olive – cube 100 g",
     "Cube cuit au chaudron selon le procédé marseillais, 72 % d’huile d’olive. "
     "Sans parfum, sans colorant, sans conservateur.",
     euros("4,20"), "100 g", ean13("376099124001"), "240", "36 mois"],
    ["SVL-MAR72-4X100", "Savon de Marseille 72 % huile d’olive – lot de 4",
     "Lot de 4 cubes de 100 g, pour le linge délicat comme pour la toilette.",
     euros("15,50"), "4 x 100 g", ean13("376099124002"), "85", "36 mois"],
    ["SVL-ANE-100", "Savon au lait d’ânesse bio 100 g",
     "Enrichi en lait d’ânesse frais (30 %) de l’élevage voisin de Lançon-Provence.\n"
     "Convient aux peaux sensibles et sèches.",
     "6,90 €", "100 g", ean13("376099124003"), "120", "24 mois"],
    ["SVL-LAV-100", "Savon à la lavande fine 100 g",
     "Parfumé à l’huile essentielle de lavande fine du plateau de Valensole ; fleurs séchées incrustées.",
     euros("5,50"), "100 g", ean13("376099124004"), "160", "31/12/2029"],
    ["SVL-LIQ-50", "Savon liquide de Marseille – flacon pompe 50 cl",
     "Flacon en verre ambré. Base huile d’olive et huile de coprah, sans sulfate.",
     euros("8,90"), "50 cl", ean13("376099124005"), "60", "24 mois"],
    ["SVL-LIQ-1L", "Savon liquide de Marseille – recharge 1 L",
     "Recharge en bidon, de quoi remplir deux flacons de 50 cl.",
     euros("14,90"), "1 L", ean13("376099124006"), "40", "24 mois"],
    ["SVL-VERB-100", "Savon surgras à la verveine citronnée 100 g",
     "Savon surgras au beurre de karité, parfumé à la verveine.",
     "sur demande", "100 g", ean13("376099124007"), "30", "24 mois"],
    ["SVL-ROMA-100", "Savon au romarin et à l’argile verte 100 g",
     "Pour peaux mixtes à grasses. Romarin cueilli dans les Alpilles.",
     euros("5,50"), "100 g", "3,76099E+12", "75", "24 mois"],
    ["SVL-MIEL-100", "Savon au miel de Provence et à la gelée royale 100 g",
     "Très doux, au miel toutes fleurs d’un rucher de la Crau.",
     euros("5,90"), "100 g", ean13_with_wrong_check_digit("376099124009"), "90", "24 mois"],
    ["SVL-FIGUE-100", "Savon à la figue 100 g",
     "Parfum de figue fraîche, teinte naturelle à l’argile rose.",
     euros("5,50"), "100 g", ean13("376099124010"), "110", "24 mois"],
    ["SVL-FIGUE-100", "Savon figue et huile d’olive 100 g",
     "Savon figue & olive, \"nouvelle recette\" 2026.",
     euros("5,70"), "100 g", ean13("376099124011"), "50", "24 mois"],
    ["SVL-OLI-600", "Cube de savon de Marseille 600 g à couper",
     "Gros cube de 600 g, 72 % d’huile d’olive, tampon frappé au cœur du cube.",
     euros("17,90"), "600 g", ean13("376099124012"), "-3", "36 mois"],
    ["SVL-COFF-4", f"Coffret «{NBSP}Mistral{NBSP}» – 4 savons parfumés",
     "Lavande, verveine, figue et miel, dans une boîte en bois de pin.",
     euros("21,00"), "4 x 100 g", ean13("376099124013"), "35", "24 mois"],
    ["SVL-REV-300", "Assortiment revendeur – carton de 300 savons de 100 g",
     "Carton de 300 savons assortis pour boutiques et épiceries fines.",
     euros("1 234,50"), "300 x 100 g", ean13("376099124014"), "4", "36 mois"],
]


def write_soap_csv() -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(SOAP_HEADER)
    writer.writerows(SOAP_ROWS)
    SOAP_FILE.parent.mkdir(parents=True, exist_ok=True)
    SOAP_FILE.write_bytes(buffer.getvalue().encode("cp1252"))


# --- moulin-des-quatre-bories: XLSX price list, title row above the header, numeric EAN cells ----------
MILL_FILE = INTAKE / "moulin-des-quatre-bories" / "title-row-above-header.xlsx"
MILL_TITLE = "Tarifs 2026 – Moulin des Quatre Bories"
MILL_SUBTITLE = "Prix départ moulin en euros hors taxes – Maussane-les-Alpilles (Bouches-du-Rhône)"
MILL_HEADER_ROW = 4
MILL_HEADER = ["Réf.", "Nom du produit", "Prix HT", "Contenance", "EAN13", "Quantité", "DLUO", "Origine"]
AOP = "Huile d'olive vierge extra AOP Vallée des Baux-de-Provence"
BAUX = "France – Vallée des Baux-de-Provence"
MILL_ROWS = [  # spreadsheet rows 5–12; EANs are numbers, as Excel keeps a column typed as Number
    ["MQB-AOP-50", f"{AOP} – 50 cl", 16.5, "50 cl", int(ean13("376098765001")), 120, "18 mois", BAUX],
    ["MQB-AOP-75", f"{AOP} – 75 cl", 22.9, "75 cl", int(ean13("376098765002")), 80, "18 mois", BAUX],
    ["MQB-AOP-3L", f"{AOP} – bidon 3 L", 79, "3 L", int(ean13("376098765003")), 25, "18 mois", BAUX],
    ["MQB-FN-50", "Huile d'olive vierge extra « fruité noir » AOP – 50 cl", 17.8, "50 cl",
     int(ean13("376098765004")), 60, "18 mois", BAUX],
    ["MQB-TAPN-90", "Tapenade noire aux olives grossanes – 90 g", 5.6, "90 g",
     int(ean13("376098765005")), 150, "24 mois", "France"],
    ["MQB-OLC-500", "Olives cassées de la Vallée des Baux au fenouil – 500 g", 8.4, "500 g",
     int(ean13("376098765006")), 40, "3 mois", BAUX],
    ["MQB-COF-3X25", "Coffret dégustation 3 huiles AOP – 3 x 25 cl", None, "3 x 25 cl",
     int(ean13("376098765007")), 30, "18 mois", BAUX],
    ["MQB-ANCH-90", "Anchoïade à l'huile d'olive AOP – 90 g", 5.9, "90 g",
     int(ean13("376098765008")), 70, "24 mois", "France"],
]
MILL_CONDITIONS = [
    "Conditions générales de vente 2026",
    "Franco de port à partir de 300 € HT de commande.",
    "Règlement à 30 jours fin de mois.",
    "Prix hors TVA (5,5 %), départ moulin, valables jusqu'au 31 décembre 2026.",
]


def mill_workbook() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tarifs 2026"
    sheet["A1"] = MILL_TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:H1")
    sheet["A2"] = MILL_SUBTITLE
    for col, name in enumerate(MILL_HEADER, start=1):
        sheet.cell(row=MILL_HEADER_ROW, column=col, value=name).font = Font(bold=True)
    for row, values in enumerate(MILL_ROWS, start=MILL_HEADER_ROW + 1):
        for col, value in enumerate(values, start=1):
            sheet.cell(row=row, column=col, value=value)
        sheet.cell(row=row, column=3).number_format = '#,##0.00 "€"'
        sheet.cell(row=row, column=5).number_format = "0"
    for letter, width in zip("ABCDEFGH", [14, 62, 10, 11, 16, 10, 9, 36], strict=True):
        sheet.column_dimensions[letter].width = width
    conditions = book.create_sheet("Conditions de vente")
    for row, line in enumerate(MILL_CONDITIONS, start=1):
        conditions.cell(row=row, column=1, value=line)
    book.properties.creator = "Moulin des Quatre Bories"
    book.properties.created = FIXED_TIME
    return book


def with_fixed_timestamps(xlsx: bytes) -> bytes:
    """The same XLSX with every zip entry and the core 'modified' date set to FIXED_TIME."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for entry in src.infolist():
            data = src.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            fixed = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def write_mill_xlsx() -> None:
    buffer = io.BytesIO()
    mill_workbook().save(buffer)
    MILL_FILE.parent.mkdir(parents=True, exist_ok=True)
    MILL_FILE.write_bytes(with_fixed_timestamps(buffer.getvalue()))


if __name__ == "__main__":
    write_soap_csv()
    write_mill_xlsx()
    print(f"wrote {SOAP_FILE.relative_to(INTAKE)} and {MILL_FILE.relative_to(INTAKE)}")
