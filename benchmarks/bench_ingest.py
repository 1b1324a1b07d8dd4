"""Times reading, mapping, parsing and validating one large French vendor sheet (cp1252, `;`, TTC).

Usage: .venv/bin/python benchmarks/bench_ingest.py [--rows 100000] [--bad-every 100]
Writes the sheet to a temporary folder, runs each stage of pipeline.ingest.process_file separately, then
process_file as a whole, and prints the seconds per stage.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

PRODUCTS = ["Savon de Marseille", "Savon au lait d'ânesse", "Huile d'olive vierge extra", "Tapenade noire",
            "Calissons d'Aix", "Nougat blanc", "Miel de lavande", "Sachet de lavande", "Herbes de Provence"]
SIZES = ["100 g", "250 g", "50 cl", "1 L", "4 x 100 g", "500 ml", "1,5 kg"]
BAD_PRICES = ["sur demande", "NaN", "-5", "1e30"]


def ean13(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def write_sheet(path: Path, rows: int, bad_every: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    lines = ["Référence;Désignation;Description;Prix TTC;Contenance;Code EAN;Stock;DDM"]
    for i in range(rows):
        name = rng.choice(PRODUCTS)
        price = f"{rng.randint(2, 80)},{rng.randint(0, 99):02d} €"
        if bad_every and i % bad_every == bad_every - 1:
            price = rng.choice(BAD_PRICES)
        lines.append(";".join([f"REF-{i:07d}", f"{name} {rng.choice(['lavande', 'olive', 'miel', 'figue'])}",
                               f"{name}, fabriqué en Provence. Lot {i % 997}.", price, rng.choice(SIZES),
                               ean13(f"376{i:09d}"), str(rng.randint(0, 500)), f"{rng.choice([12, 18, 24])} mois"]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label:<28}{time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-every", type=int, default=100)
    args = parser.parse_args()
    t0 = time.perf_counter()
    from pipeline import config
    from pipeline.config import RunSettings
    from pipeline.extract.intake import discover
    from pipeline.extract.profiles import VendorProfile
    from pipeline.extract.readers import read_sheet
    from pipeline.ingest import process_file
    from pipeline.transform.columns import map_columns
    from pipeline.transform.parse import parse_products
    from pipeline.transform.reading_tables import header_recogniser
    from pipeline.transform.validate import validate
    print(f"{'imports (pandas, GX, …)':<28}{time.perf_counter() - t0:8.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        sheet_path = Path(tmp, "intake", "savonnerie", "tarifs.csv")
        sheet_path.parent.mkdir(parents=True)
        write_sheet(sheet_path, args.rows, args.bad_every)
        print(f"sheet: {args.rows:,} rows, {sheet_path.stat().st_size / 1e6:.1f} MB, one bad price every "
              f"{args.bad_every} rows")
        day = dt.date(2026, 11, 26)
        profile = VendorProfile(vendor_id="savonnerie")
        data = sheet_path.read_bytes()
        sheet = timed("read_sheet", read_sheet, data, "savonnerie/tarifs.csv", profile,
                      recognised=header_recogniser(config.settings().reading))
        frame = sheet.frame.assign(vendor_id="savonnerie", source_file="savonnerie/tarifs.csv")
        text, _, _ = timed("map_columns", map_columns, frame, config.settings().reading, platform=None,
                             defaults={"currency": "EUR"})
        typed = timed("parse_products", parse_products, text, day, config.settings())
        valid, rejects = timed("validate (GX, first call)", validate, typed, settings=config.settings())
        valid, rejects = timed("validate (GX, warm)", validate, typed, settings=config.settings())
        print(f"valid rows {len(valid):,}, reject lines {len(rejects):,}")
        [file], _ = discover(str(Path(tmp, "intake")))
        result = timed("process_file (all stages)", process_file, file, profile, day, RunSettings())
        print(f"process_file: rows {result.record['rows']:,}, rejected {result.record['rows_rejected']:,}")


if __name__ == "__main__":
    main()
