"""README stays true: its settings table, its two commands, its CLI table."""
from __future__ import annotations

import re

from click.testing import CliRunner

from reformkg.service.cli import main
from reformkg.service.settings import SETTINGS

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    documented = set(re.findall(r"^\| `(\w+)` \|", README, re.M))
    assert {s.name for s in SETTINGS} <= documented


def test_the_readme_documents_no_setting_that_does_not_exist():
    table = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    assert documented <= {s.name for s in SETTINGS}


def test_readme_gives_the_two_commands():
    assert "pip install -e . && reformkg serve" in README
    assert "pip install -e '.[test]' && python3 -m pytest" in README


def test_ci_runs_the_readme_test_command_and_fails_on_no_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet --disable-pip-version-check -e '.[test]'" in ci
    assert "python3 -m pytest" in ci
    assert '"$status" -eq 5' in ci


def test_every_cli_command_in_the_readme_exists():
    commands = set(re.findall(r"^\| `reformkg (\w+)", README, re.M))
    assert commands
    runner = CliRunner()
    for command in commands:
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_w3id_rules_redirect_every_path_and_the_ontology_to_the_deployment():
    rules = (ROOT / "docs" / "w3id" / ".htaccess").read_text(encoding="utf-8")
    active = [line for line in rules.splitlines() if line and not line.startswith("#")]
    assert "RewriteEngine on" in active
    assert any(line.startswith("RewriteRule ^ontology$ ") and "[R=303" in line for line in active)
    assert active[-1].startswith("RewriteRule ^(.*)$ https://") and active[-1].endswith("/$1 [R=303,L]")
