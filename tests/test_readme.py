"""The README's example outputs are what the commands really print on a fresh build of raw/."""

import re
import shlex
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.commands.build import build_summary
from tests.conftest import PROJECT_ROOT, build_warehouse

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SQL_EXAMPLES = re.findall(r"```console\n\$ (citysnap sql .+?)\n(.*?)```", README, flags=re.S)


@pytest.fixture(scope="module")
def project_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("readme_warehouse")
    build_warehouse(PROJECT_ROOT / "raw", warehouse).close()
    return warehouse


def test_the_readme_has_sql_examples():
    assert len(SQL_EXAMPLES) >= 3


@pytest.mark.parametrize(("command", "expected"), SQL_EXAMPLES, ids=[f"example{i}" for i in range(len(SQL_EXAMPLES))])
def test_readme_sql_example_prints_what_the_readme_shows(command, expected, project_warehouse, capsys):
    args = shlex.split(command)[1:]
    assert main([*args, "--warehouse", str(project_warehouse)]) == 0
    assert capsys.readouterr().out == expected


def test_readme_build_summary_matches_a_fresh_build(project_warehouse):
    shown = re.search(r"```text\n(documents: .+?)```", README, flags=re.S).group(1)
    actual = build_summary(project_warehouse).replace(str(project_warehouse), "warehouse")
    assert actual + "\n" == shown


def test_the_readme_command_table_lists_every_command_with_every_option():
    import argparse

    from pipeline.cli import parser

    [commands] = [action for action in parser()._actions if isinstance(action, argparse._SubParsersAction)]
    for name, command in commands.choices.items():
        rows = [line for line in README.splitlines() if line.startswith(f"| `citysnap {name} ")]
        assert len(rows) == 1, f"no README table row for citysnap {name}"
        options = [o for action in command._actions for o in action.option_strings if o.startswith("--")]
        missing = [option for option in options if option != "--help" and option not in rows[0]]
        assert missing == [], f"citysnap {name}: {missing} not in the README table"


def test_the_readme_documents_every_environment_variable_and_exit_code():
    from pipeline.commands import build

    for variable in ("CITYSNAP_RAW_DIR", "CITYSNAP_WAREHOUSE_DIR", "CITYSNAP_PARSE_BATCHES", "DAGSTER_HOME"):
        assert f"| `{variable}` |" in README
    codes = [value for name, value in vars(build).items() if name.startswith("EXIT_")]
    for code in codes:
        assert re.search(rf"^\| {code} \| \S", README, flags=re.M), f"exit code {code} is not documented"
