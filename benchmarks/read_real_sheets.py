"""How many of the products of ../shared/fixtures/real-fr a run publishes: one vendor per sheet, a LibreTranslate
stand-in on loopback (tests/fakes), date 2026-11-01, rates shipped offline.

Usage: .venv/bin/python benchmarks/read_real_sheets.py [--corpus ../shared/fixtures/real-fr] [--work DIR]

Prints, per sheet, the products its SOURCES.md entry names (expected.json), the rows read as products, published,
rejected (and by which rules), pending and set aside, then the totals.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "fixtures" / "real-fr"))
    parser.add_argument("--work", default="/tmp/eprovence-real-sheets")
    args = parser.parse_args()
    os.environ["EPROVENCE_ECB_REFRESH"] = "0"
    from pipeline.extract.translators import make_translator
    from pipeline.run import run
    from tests.fakes.translation_servers import LibreTranslateServer, fake_chinese

    corpus, work = Path(args.corpus), Path(args.work)
    expected = {k: v for k, v in json.loads((corpus / "expected.json").read_text()).items() if not k.startswith("_")}
    shutil.rmtree(work, ignore_errors=True)
    for name in expected:
        vendor, file = name.split("__", 1)
        (work / "intake" / vendor).mkdir(parents=True)
        shutil.copy(corpus / name, work / "intake" / vendor / file)
    with LibreTranslateServer(credential="k", translate=fake_chinese) as server:
        client = make_translator("libre", {"LIBRETRANSLATE_URL": server.url, "LIBRE_API_KEY": "k"})
        summary = run(str(work / "intake"), str(work / "out"), str(work / "state.db"), dt.date(2026, 11, 1),
                      translator_client=client)
    rejects = pd.read_csv(Path(summary.folder) / "rejects.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    by_vendor = {i["vendor_id"]: i for i in summary.manifest["inputs"]}
    print("| file | products | read | published | rejected (rules) | pending | set aside | status |")
    print("|---|---:|---:|---:|---|---:|---:|---|")
    for name, products in expected.items():
        record = by_vendor[name.split("__", 1)[0]]
        rules = Counter(rejects[rejects["source_file"] == record["path"]]["rule"])
        shown = ", ".join(f"{rule} {count}" for rule, count in sorted(rules.items()))
        print(f"| {name[:48]} | {products} | {record['rows']} | {record['rows_published']} | "
              f"{record['rows_rejected']} ({shown}) | {record['rows_pending']} | {record.get('rows_skipped', 0)} | "
              f"{record['status']} |")
    m = summary.manifest
    print(f"\nrows_in {m['rows_in']} = published {m['rows_published']} + rejected {m['rows_rejected']} + pending "
          f"{m['rows_pending']}; products named by the sources {sum(expected.values())}")


if __name__ == "__main__":
    main()
