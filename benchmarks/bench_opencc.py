"""Benchmark: OpenCC on every cell vs pipeline.transform.chinese.to_simplified, on a catalogue-like column.

Run from the project root: .venv/bin/python benchmarks/bench_opencc.py [--cells 200000] [--repeat 3]
The column mixes ~70 % Simplified machine translations (repeated, as product variants and unchanged
products are), ~10 % Traditional text from distributors and ~20 % French, brand names and empty cells.
A second, worst case column holds only distinct Traditional strings (nothing to skip, nothing repeated).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import time
from collections.abc import Callable

import opencc
import pandas as pd

from pipeline.extract.opencc_dictionaries import converter
from pipeline.transform import chinese

ORIGINS = ["普罗旺斯", "法国进口", "马赛", "吕贝隆", "阿维尼翁", "格拉斯", "卡马格"]
PRODUCTS = [
    "薰衣草精油", "马赛皂", "橄榄油", "薰衣草蜂蜜", "牛轧糖", "杏仁糖", "香皂礼盒", "护手霜", "香草茶",
    "海盐", "橄榄油香皂", "干燥薰衣草花束", "玫瑰纯露", "蜂蜡蜡烛", "无花果果酱", "黑橄榄酱", "香料包",
    "护唇膏",
]
CLAIMS = [
    "天然有机", "手工制作", "无添加", "冷压初榨", "适合干性皮肤", "滋润保湿", "温和不刺激", "传统工艺",
    "送礼佳品", "家庭装", "玻璃瓶装", "礼盒装", "限量版", "经典款",
]
SIZES = ["10毫升", "30毫升", "50毫升", "100毫升", "250毫升", "500毫升", "100克", "125克", "200克", "300克"]
SENTENCES = [
    "产地：法国普罗旺斯。", "保质期：24个月。", "请存放于阴凉干燥处，避免阳光直射。", "开封后请尽快使用。",
    "本品采用当地原料，由家庭作坊精心制作。", "适合日常使用，也是馈赠亲友的理想礼物。",
]
FRENCH = [
    "Savon de Marseille", "Huile d'olive vierge extra", "Lavande fine AOP", "Nougat de Montélimar",
    "Calissons d'Aix", "Miel de lavande", "Herbes de Provence", "Bougie parfumée", "Tapenade noire",
    "Confiture de figues", "Fleur de sel de Camargue", "Eau florale de rose",
]
BRANDS = [
    "L'Occitane", "Le Petit Olivier", "Marius Fabre", "Fer à Cheval", "Nougats Chabert", "Maison Brémond",
]


def simplified_pool(rng: random.Random, size: int) -> list[str]:
    """Distinct Simplified titles + descriptions, as a machine translation of a catalogue would give."""
    pool: set[str] = set()
    while len(pool) < size:
        title = f"{rng.choice(ORIGINS)}{rng.choice(PRODUCTS)} {rng.choice(CLAIMS)} {rng.choice(SIZES)}"
        pool.add(title + ("" if rng.random() < 0.5 else " " + "".join(rng.sample(SENTENCES, 2))))
    return sorted(pool)


def french_pool(rng: random.Random, size: int) -> list[str]:
    pool = {f"{rng.choice(BRANDS)} — {rng.choice(FRENCH)} {rng.randint(1, 999)} g" for _ in range(size)}
    return sorted(pool | set(FRENCH) | set(BRANDS))


def catalogue_column(cells: int, rng: random.Random) -> pd.Series:
    simplified = simplified_pool(rng, 8_000)
    to_traditional = opencc.OpenCC("s2tw")
    traditional = [to_traditional.convert(text) for text in rng.sample(simplified, 1_500)]
    french = french_pool(rng, 2_000)
    n_simplified, n_traditional = int(cells * 0.7), int(cells * 0.1)
    n_french = int((cells - n_simplified - n_traditional) * 0.6)
    values = (rng.choices(simplified, k=n_simplified) + rng.choices(traditional, k=n_traditional)
              + rng.choices(french, k=n_french) + [pd.NA] * (cells - n_simplified - n_traditional - n_french))
    rng.shuffle(values)
    return pd.Series(values, dtype="object")


def distinct_traditional_column(cells: int, rng: random.Random) -> pd.Series:
    to_traditional = opencc.OpenCC("s2tw")
    return pd.Series([to_traditional.convert(text) for text in simplified_pool(rng, cells)], dtype="object")


def fresh_copy(column: pd.Series) -> pd.Series:
    """The column with new string objects, as a reader hands them over (no hash cached by an earlier run)."""
    return column.map(lambda text: text.encode("utf-8").decode("utf-8"), na_action="ignore").astype(object)


def best_time(run: Callable[[pd.Series], pd.Series], column: pd.Series,
              repeat: int) -> tuple[float, pd.Series]:
    """Fastest of `repeat` runs, each on a fresh copy of `column` (the copy is made outside the timing)."""
    timings, result = [], column
    for _ in range(repeat):
        cells = fresh_copy(column)
        start = time.perf_counter()
        result = run(cells)
        timings.append(time.perf_counter() - start)
    return min(timings), result


def compare(label: str, column: pd.Series, repeat: int) -> None:
    every_cell = opencc.OpenCC("t2s")
    chars = int(column.dropna().str.len().sum())
    per_cell_s, expected = best_time(lambda cells: cells.map(every_cell.convert, na_action="ignore"), column,
                                     repeat)
    filtered_s, got = best_time(lambda cells: chinese.to_simplified(cells, converter("t2s")), column, repeat)
    same = got.isna().equals(expected.isna()) and got.dropna().tolist() == expected.dropna().tolist()
    assert same, "to_simplified differs from converting every cell"
    changed = int(chinese.has_traditional(column, converter("t2s")).sum())
    print(f"\n{label}: {len(column):,} cells, {column.nunique():,} distinct, {chars:,} chars, "
          f"{changed:,} cells changed by t2s")
    for name, seconds in (("official binding on every cell", per_cell_s), ("to_simplified", filtered_s)):
        cells_per_s, chars_per_s = len(column) / seconds, chars / seconds
        print(f"  {name:31s} {seconds:7.4f} s {cells_per_s:12,.0f} cells/s {chars_per_s:14,.0f} chars/s")
    print(f"  speed-up: {per_cell_s / filtered_s:.1f}x")


def machine() -> str:
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    return (f"{models[0] if models else '?'}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
            f"pandas {pd.__version__}, opencc {opencc.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    start = time.perf_counter()
    chinese.to_simplified(pd.Series(["乾燥"]), converter("t2s"))
    print(f"one-time load (t2s converter + trigger letters): {time.perf_counter() - start:.3f} s")
    rng = random.Random(20260101)
    compare("catalogue mix", catalogue_column(args.cells, rng), args.repeat)
    compare("worst case, distinct Traditional only", distinct_traditional_column(args.cells // 10, rng),
            args.repeat)


if __name__ == "__main__":
    main()
