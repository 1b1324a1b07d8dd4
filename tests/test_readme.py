"""The README documents every command, option and configuration file the project has."""
from pathlib import Path

import typer.main

from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_come_first():
    first_screen = README[:1500]
    assert "make demo" in first_screen and "make test" in first_screen


def test_every_command_and_run_option_is_documented():
    group = typer.main.get_group(app)
    assert group.commands and group.commands["run"].params
    for name in group.commands:
        assert f"eprovence {name}" in README or f"`{name}`" in README, name
    for param in group.commands["run"].params:
        assert f"--{param.name.replace('_', '-')}" in README or param.name == "quiet", param.name


def test_every_configuration_file_is_documented():
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "config").rglob("*.yaml"))
    files += sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "schemas").glob("*.yaml"))
    missing = [f for f in files if f not in README]
    assert not missing, missing
