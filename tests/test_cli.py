"""The `eprovence` command: exit codes, one-line failure reasons, the summary it prints."""
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "intake"


def test_run_on_samples_exits_zero_and_prints_the_summary(tmp_path):
    result = CliRunner().invoke(app, ["run", "--intake", str(SAMPLES), "--out", str(tmp_path / "out"),
                                      "--state", str(tmp_path / "s.db"), "--date", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "rows_in" in result.stdout and "feed folder" in result.stdout
    assert (tmp_path / "out" / "2026-11-01" / "manifest.json").exists()


def test_missing_intake_fails_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "--intake", str(tmp_path / "nowhere"),
                           "--out", str(tmp_path / "out"), "--state", str(tmp_path / "s.db"), "-q",
                           "--date", "2026-11-01"],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "nowhere" in proc.stderr


def test_bad_date_fails_with_one_line(tmp_path):
    result = CliRunner().invoke(app, ["run", "--intake", str(SAMPLES), "--out", str(tmp_path),
                                      "--state", str(tmp_path / "s.db"), "--date", "26/11/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_a_date_beyond_the_newest_usable_rate_fails_with_one_line(tmp_path):
    result = CliRunner().invoke(app, ["run", "--intake", str(SAMPLES), "--out", str(tmp_path),
                                      "--state", str(tmp_path / "s.db"), "--date", "2026-11-26"])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("eprovence: newest ECB rate for CNY is 2026-10-30, 27 days before 2026-11-26 "
                                     "(limit 7 days)")
