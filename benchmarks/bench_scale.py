"""Scale benchmark: the I/O floor, a full run and an unchanged delta rerun on the same synthetic data.

Usage: .venv/bin/python benchmarks/bench_scale.py --rows 1000000 --vendors 20 [--repeat 3] [--work DIR]

1. `eprovence synth` writes the sheets and translations.csv (not timed against the pipeline).
2. I/O floor: pyarrow reads every sheet (decoding cp1252 where needed) and writes one Parquet and one
   UTF-16LE TAB CSV of all rows — what merely reading the sheets and writing a feed costs.
3. The memory is warmed with `eprovence tm import translations.csv`.
4. `eprovence run --translator none --mode full --workers N` (default 2, both cores) on Saturday 2026-10-31,
   then `--mode delta` on Sunday 2026-11-01 (the same ECB rate, nothing changed). Each run is a child process;
   its wall time and the peak of the summed RSS of its process tree (sampled) are reported.
5. `--repeat N` repeats 2 and 4 N times (each full run on a fresh copy of the warmed memory): the medians are
   reported, and every round, since a shared machine's timings vary by several seconds from one run to the next.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent


def child(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one child process: the RSS of the child and its own children,
    summed, sampled every 50 ms."""
    start = time.perf_counter()
    proc = psutil.Popen(args, stdout=subprocess.DEVNULL, env={**os.environ, "EPROVENCE_ECB_REFRESH": "0"})
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, args)
    return wall, peak / 2**20


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            total += p.memory_info().rss
    except psutil.Error:        # a process ended between listing and reading: the next sample sees the rest
        pass
    return total


def io_floor(intake: Path, out: Path) -> float:
    result = subprocess.run([sys.executable, str(Path(__file__).with_name("io_floor.py")), str(intake), str(out)],
                            check=True, capture_output=True, text=True)
    return float(result.stdout.strip())


def _cpu_model() -> str:
    """The processor's name as /proc/cpuinfo gives it (platform.processor() is often empty on Linux)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                platform.processor())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=20)
    parser.add_argument("--work", default="/tmp/eprovence-bench")
    parser.add_argument("--workers", type=int, default=2, help="eprovence run --workers (default 2: both cores)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of (I/O floor, full run, delta run) on the same sheets; medians reported")
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    eprovence = str(BIN / "eprovence")
    subprocess.run([eprovence, "synth", "--rows", str(args.rows), "--vendors", str(args.vendors), "--seed", "1",
                    "--out", str(work / "synth")], check=True)
    memory = work / "memory.db"
    subprocess.run([eprovence, "tm", "import", str(work / "synth" / "translations.csv"), "--state", str(memory)],
                   check=True, stdout=subprocess.DEVNULL)
    rounds = [_round(eprovence, work, memory, args.workers) for _ in range(args.repeat)]
    manifest = json.loads((work / "feeds" / "2026-10-31" / "manifest.json").read_text())
    floor, full, full_rss, delta, delta_rss = (statistics.median(values) for values in zip(*rounds, strict=True))
    report = {
        "rows": args.rows, "vendors": args.vendors, "workers": args.workers,
        "machine": f"{os.cpu_count()} cores, {_cpu_model()}",
        "python": platform.python_version(), "rounds": len(rounds),
        "io_floor_s": round(floor, 1), "full_s": round(full, 1), "full_peak_rss_mib": round(full_rss),
        "full_over_floor": round(full / floor, 2), "delta_s": round(delta, 1),
        "delta_peak_rss_mib": round(delta_rss), "delta_over_full": round(delta / full, 3),
        "rows_published": manifest["rows_published"], "rows_rejected": manifest["rows_rejected"],
        "rows_pending": manifest["rows_pending"], "stage_seconds": manifest.get("stage_seconds"),
    }
    if len(rounds) > 1:
        report["each_round"] = [dict(zip(("io_floor_s", "full_s", "full_peak_rss_mib", "delta_s",
                                          "delta_peak_rss_mib"), (round(v, 1) for v in r), strict=True))
                                for r in rounds]
    print(json.dumps(report, indent=2))


def _round(eprovence: str, work: Path, memory: Path, workers: int) -> tuple[float, float, float, float, float]:
    """(I/O floor s, full run s, its peak MiB, unchanged delta s, its peak MiB): the floor, then both runs on a
    fresh copy of the warmed memory and an empty feeds folder."""
    floor = io_floor(work / "synth" / "intake", work)
    shutil.rmtree(work / "feeds", ignore_errors=True)
    state = work / "state.db"
    shutil.copyfile(memory, state)
    common = ["--intake", str(work / "synth" / "intake"), "--out", str(work / "feeds"), "--state", str(state),
              "-q", "--workers", str(workers)]
    full = child([eprovence, "run", *common, "--date", "2026-10-31", "--mode", "full"])
    delta = child([eprovence, "run", *common, "--date", "2026-11-01", "--mode", "delta"])
    return floor, *full, *delta


if __name__ == "__main__":
    main()
