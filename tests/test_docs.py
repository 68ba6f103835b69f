"""Docs that cannot drift: every config key and CLI command is in the README."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_documented():
    config = (ROOT / "directory" / "config.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'env\.get\("([A-Z_]+)"', config))
    assert keys, "no settings found"
    missing = sorted(k for k in keys if f"`{k}`" not in README)
    assert not missing, f"README lacks: {missing}"


def test_every_cli_command_is_documented(app):
    ours = {name for name, cmd in app.cli.commands.items()}
    missing = sorted(name for name in ours if f"flask --app wsgi {name}" not in README and name != "db")
    assert not missing, f"README lacks: {missing}"


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
