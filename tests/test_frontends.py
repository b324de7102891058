"""The real front ends, run as subprocesses: flake8, pylint and ``python -m flake8_backend_rules``.

Nothing is mocked: each test starts the tool the way a user or CI does and parses what it
prints.

The front ends run the engine in its forgiving mode (a check that raises is skipped), so a
crash would look like "no findings". That is why every "this is silent" case here is paired
with a case where the same source *does* report, and why results are compared exactly.

``PYTHONSAFEPATH=1`` keeps the working directory off ``sys.path``: the fixture tree has
top-level packages named ``config``, ``shop`` and ``tests`` that must never shadow real
modules inside flake8 or pylint.
"""
from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple

import pytest

from flake8_backend_rules import __version__
from flake8_backend_rules.docs import render_rule_page
from flake8_backend_rules.registry import DEFAULT_OFF, RULES, RULES_BY_SYMBOL
from tests.expectations import FIXTURES, all_expectations, display_path, fixture_files

Finding = Tuple[int, int, str]  # (line, 1-based column, code)
FindingsByPath = Dict[str, List[Finding]]

FLAKE8_FORMAT = "%(path)s:%(row)d:%(col)d:%(code)s"
PYLINT_TEMPLATE = "{path}:{line}:{column}:{symbol}"
ALL_SYMBOLS = ",".join(rule.symbol for rule in RULES.values())
_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+):(?P<name>[A-Za-z0-9-]+)$")
# pylint's exit status is a bit field of the message categories it emitted.
_PYLINT_STATUS_BITS = {"F": 1, "E": 2, "W": 4, "R": 8, "C": 16}

ENV_READ = 'import os\n\nDEBUG = os.getenv("DEBUG")\n'  # BR010 at 3:9 outside settings
# BR070 (the default-on rule) at 10:19: a data migration with no way back
IRREVERSIBLE_MIGRATION = """\
    from django.db import migrations


    def fill(apps, schema_editor):
        apps.get_model("app", "Order").objects.update(total=0)


    class Migration(migrations.Migration):
        dependencies = [("app", "0001_initial")]
        operations = [migrations.RunPython(fill)]
    """


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def _env(pythonpath_first: Optional[Path] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONSAFEPATH"] = "1"
    env.pop("PYLINTRC", None)
    if pythonpath_first is not None:
        rest = env.get("PYTHONPATH", "")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(pythonpath_first), rest) if p)
    return env


def run_python(
    args: Sequence[str],
    cwd: Path,
    stdin: Optional[str] = None,
    pythonpath_first: Optional[Path] = None,
) -> Run:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=_env(pythonpath_first),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def flake8(args: Sequence[str], cwd: Path, stdin: Optional[str] = None) -> Run:
    return run_python(["-m", "flake8", f"--format={FLAKE8_FORMAT}", *args], cwd, stdin)


def pylint(
    args: Sequence[str], cwd: Path, rcfile: Path, pythonpath_first: Optional[Path] = None
) -> Run:
    # An explicit empty rcfile: no pylintrc of the machine or a parent folder leaks in.
    return run_python(
        [
            "-m", "pylint", f"--rcfile={rcfile}",
            "--load-plugins=pylint_plugins.backend_rules",
            "--disable=all", f"--enable={ALL_SYMBOLS}",
            f"--msg-template={PYLINT_TEMPLATE}",
            "--score=n", "--persistent=n", "-j", "1",
            *args,
        ],
        cwd,
        pythonpath_first=pythonpath_first,
    )


def _strip_dot(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


def parse_flake8(output: str) -> FindingsByPath:
    found: FindingsByPath = {}
    for line in output.splitlines():
        match = _LINE.match(line)
        assert match is not None, f"unexpected flake8 output line: {line!r}"
        path = _strip_dot(match.group("path"))
        found.setdefault(path, []).append(
            (int(match.group("line")), int(match.group("col")), match.group("name"))
        )
    return {path: sorted(items) for path, items in found.items()}


def parse_pylint(output: str) -> FindingsByPath:
    """Map symbols to codes; pylint columns are 0-based, flake8's (and ours) 1-based."""
    found: FindingsByPath = {}
    for line in output.splitlines():
        if not line.strip() or line.startswith("*************"):
            continue  # module headers
        match = _LINE.match(line)
        assert match is not None, f"unexpected pylint output line: {line!r}"
        code = RULES_BY_SYMBOL[match.group("name")].code
        found.setdefault(_strip_dot(match.group("path")), []).append(
            (int(match.group("line")), int(match.group("col")) + 1, code)
        )
    return {path: sorted(items) for path, items in found.items()}


def pylint_status(found: FindingsByPath) -> int:
    status = 0
    for items in found.values():
        for _, _, code in items:
            status |= _PYLINT_STATUS_BITS[RULES[code].category]
    return status


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def per_file_diff(actual: FindingsByPath, expected: FindingsByPath) -> str:
    lines = []
    for path in sorted(set(actual) | set(expected)):
        got, want = set(actual.get(path, [])), set(expected.get(path, []))
        if got != want:
            lines.append(f"{path}: unexpected {sorted(got - want)}; missing {sorted(want - got)}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def empty_rcfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pylintrc") / "empty.rc"
    path.write_text("", encoding="utf-8")
    return path


# -- the fixture tree through both front ends ----------------------------------------


@functools.lru_cache(maxsize=None)
def flake8_fixture_run() -> Tuple[Run, FindingsByPath]:
    """flake8 over the whole fixture tree, once, with every rule selected."""
    args = ["--isolated", "--select", "BR"]
    if DEFAULT_OFF:
        args += ["--extend-select", ",".join(DEFAULT_OFF)]
    run = flake8([*args, "."], cwd=FIXTURES)
    return run, parse_flake8(run.stdout)


@functools.lru_cache(maxsize=None)
def pylint_fixture_run(rcfile: Path) -> Tuple[Run, FindingsByPath]:
    """pylint over every fixture file, once; the adapter names files relative to the cwd."""
    paths = [display_path(p) for p in fixture_files()]
    run = pylint(paths, cwd=FIXTURES, rcfile=rcfile)
    return run, parse_pylint(run.stdout)


def test_flake8_reports_exactly_the_fixture_expectations() -> None:
    expected = all_expectations()
    assert expected, "no fixtures found under tests/fixtures"
    run, found = flake8_fixture_run()
    assert run.stderr == ""
    assert set(found) <= set(expected), f"findings in files that are not fixtures: {set(found) - set(expected)}"
    actual = {path: found.get(path, []) for path in expected}
    assert actual == expected, per_file_diff(actual, expected)
    assert run.returncode == (1 if any(expected.values()) else 0)


def test_pylint_reports_exactly_the_fixture_expectations(empty_rcfile: Path) -> None:
    expected = all_expectations()
    assert expected, "no fixtures found under tests/fixtures"
    run, found = pylint_fixture_run(empty_rcfile)
    assert "Traceback" not in run.stderr, run.stderr
    assert set(found) <= set(expected), f"findings in files that are not fixtures: {set(found) - set(expected)}"
    actual = {path: found.get(path, []) for path in expected}
    assert actual == expected, per_file_diff(actual, expected)
    assert run.returncode == pylint_status(expected), run.stdout + run.stderr


def test_flake8_and_pylint_report_the_same_findings(empty_rcfile: Path) -> None:
    _, by_flake8 = flake8_fixture_run()
    _, by_pylint = pylint_fixture_run(empty_rcfile)
    flake8_set = {(path, *item) for path, items in by_flake8.items() for item in items}
    pylint_set = {(path, *item) for path, items in by_pylint.items() for item in items}
    assert flake8_set, "the fixtures produced no findings: parity would hold vacuously"
    assert flake8_set == pylint_set, (
        f"only flake8: {sorted(flake8_set - pylint_set)}\nonly pylint: {sorted(pylint_set - flake8_set)}"
    )


def test_flake8_and_pylint_print_the_same_messages(empty_rcfile: Path) -> None:
    """Both adapters format the message from the same finding: the texts are identical."""
    paths = [display_path(p) for p in fixture_files()]
    by_flake8 = run_python(
        ["-m", "flake8", "--isolated", "--select", "BR",
         *(["--extend-select", ",".join(DEFAULT_OFF)] if DEFAULT_OFF else []),
         "--format=%(path)s|%(row)d|%(col)d|%(code)s %(text)s", *paths],
        cwd=FIXTURES,
    )
    by_pylint = run_python(
        ["-m", "pylint", f"--rcfile={empty_rcfile}", "--load-plugins=pylint_plugins.backend_rules",
         "--disable=all", f"--enable={ALL_SYMBOLS}", "--msg-template={path}|{line}|{column}|{msg}",
         "--score=n", "--persistent=n", "-j", "1", *paths],
        cwd=FIXTURES,
    )

    def messages(output: str, column_base: int) -> Set[Tuple[str, int, int, str]]:
        out = set()
        for line in output.splitlines():
            if not line.strip() or line.startswith("*************"):
                continue
            path, row, col, text = line.split("|", 3)
            out.add((_strip_dot(path), int(row), int(col) + column_base, text))
        return out

    flake8_messages = messages(by_flake8.stdout, 0)
    pylint_messages = messages(by_pylint.stdout, 1)
    assert flake8_messages
    assert all(re.match(r"^BR\d{3} \S", text) for *_, text in flake8_messages)
    assert flake8_messages == pylint_messages, (
        f"only flake8: {sorted(flake8_messages - pylint_messages)}\n"
        f"only pylint: {sorted(pylint_messages - flake8_messages)}"
    )


# -- flake8: stdin, noqa, configuration ----------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "expected_stdout", "expected_status"),
    [
        ("app/settings.py", "", 0),
        ("app/views.py", "app/views.py:3:9:BR010\n", 1),
        ("config/settings/prod.py", "", 0),
        ("./app/views.py", "./app/views.py:3:9:BR010\n", 1),
    ],
)
def test_flake8_stdin_uses_the_display_name_for_module_kinds(
    tmp_path: Path, display_name: str, expected_stdout: str, expected_status: int
) -> None:
    run = flake8(
        ["--isolated", "--select", "BR010", "--stdin-display-name", display_name, "-"],
        cwd=tmp_path,
        stdin=ENV_READ,
    )
    assert (run.stdout, run.stderr, run.returncode) == (expected_stdout, "", expected_status)


SELECTION_SOURCE = """\
    import os

    KEY = os.getenv("KEY")


    def notify(send):
        try:
            send()
        except Exception:
            pass
    """


SELECTION_PROJECT = {"app/services.py": SELECTION_SOURCE, "app/migrations/0002_fill.py": IRREVERSIBLE_MIGRATION}
ENV = "app/services.py:3:7:BR010"  # opt-in
SWALLOWED = "app/services.py:9:5:BR020"  # opt-in
MIGRATION = "app/migrations/0002_fill.py:10:19:BR070"  # default-on


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], [MIGRATION], id="flake8-defaults"),
        pytest.param(["--select", "BR"], [MIGRATION], id="select-plugin-prefix-keeps-opt-in-off"),
        pytest.param(["--select", "BR010"], [ENV], id="select-one-code"),
        pytest.param(["--select", "BR02"], [SWALLOWED], id="select-prefix"),
        pytest.param(["--extend-select", "BR010"], [MIGRATION, ENV], id="extend-select-one-code"),
        pytest.param(["--extend-select", "BR02"], [MIGRATION, SWALLOWED], id="extend-select-family"),
        pytest.param(["--extend-select", "BR0"], [MIGRATION, ENV, SWALLOWED], id="extend-select-every-rule"),
        pytest.param(["--select", "BR0", "--extend-ignore", "BR010"], [MIGRATION, SWALLOWED], id="extend-ignore"),
        pytest.param(["--extend-select", "BR010", "--extend-ignore", "BR010"], [MIGRATION],
                     id="extend-ignore-an-extend-selected-code"),
        pytest.param(["--extend-ignore", "BR070"], [], id="extend-ignore-the-default-on-rule"),
        pytest.param(["--select", "E,W,F,BR0"], [MIGRATION, ENV, SWALLOWED], id="select-with-others"),
        pytest.param(["--ignore", "BR"], [], id="ignore-all"),
    ],
)
def test_flake8_selection_decides_which_rules_report(tmp_path: Path, args: List[str], expected: List[str]) -> None:
    """The plugin runs only the rules flake8 selects: a wrong guess would drop findings.
    A default-on rule (BR070) runs unless deselected; an opt-in rule (BR010, BR020) only
    when a select entry names it: its code or a prefix longer than the plugin's ``BR``."""
    assert RULES["BR070"].default_on and not RULES["BR010"].default_on and not RULES["BR020"].default_on
    write_tree(tmp_path, SELECTION_PROJECT)
    run = flake8(["--isolated", *args, "app"], cwd=tmp_path)
    ours = [line for line in run.stdout.splitlines() if ":BR" in line]
    assert sorted(ours) == sorted(expected)
    assert run.stderr == ""


def test_flake8_noqa_for_the_code_silences_and_for_another_code_does_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/services.py": """\
        import os

        A = os.getenv("A")  # noqa: BR010
        B = os.getenv("B")  # noqa: BR001
        C = os.getenv("C")  # noqa: BR001,BR010
        D = os.getenv("D")
        E = os.environ["E"]  # noqa: BR01
        """})
    run = flake8(["--isolated", "--select", "BR010", "app/services.py"], cwd=tmp_path)
    assert run.stdout.splitlines() == ["app/services.py:4:5:BR010", "app/services.py:6:5:BR010"]
    assert (run.stderr, run.returncode) == ("", 1)


# A project where the options decide which files are settings modules and which are tests.
# Each file reads the environment once, at 3:9.
CONFIG_PROJECT = {
    "app/__init__.py": "",
    "app/settings.py": ENV_READ,
    "app/views.py": ENV_READ,
    "conf/app.py": ENV_READ,
    "tests/test_x.py": ENV_READ,
}
DEFAULT_REPORTED = {"app/views.py", "conf/app.py"}


def flake8_reported_files(
    project: Path, extra_args: Sequence[str] = (), selection: Sequence[str] = ("--select", "BR010")
) -> Set[str]:
    """The files with a finding; every finding must be the one env read at 3:9. BR010 is
    opt-in: the selection names it, unless a test leaves that to a configuration file."""
    run = flake8([*selection, *extra_args, "."], cwd=project)
    assert run.stderr == ""
    found = parse_flake8(run.stdout)
    assert all(items == [(3, 9, "BR010")] for items in found.values()), found
    assert run.returncode == (1 if found else 0)
    return set(found)


def test_flake8_defaults_without_configuration(tmp_path: Path) -> None:
    """BR010 is opt-in: silent by default and under the plugin's own prefix; once named (its
    code, its family) it reports outside the default settings and test modules."""
    write_tree(tmp_path, CONFIG_PROJECT)
    assert not RULES["BR010"].default_on
    assert flake8_reported_files(tmp_path, selection=()) == set()
    assert flake8_reported_files(tmp_path, selection=("--select", "BR")) == set()
    assert flake8_reported_files(tmp_path, selection=("--extend-select", "BR010")) == DEFAULT_REPORTED
    assert flake8_reported_files(tmp_path, selection=("--select", "BR01")) == DEFAULT_REPORTED
    assert flake8_reported_files(tmp_path, selection=("--extend-select", "BR0")) == DEFAULT_REPORTED
    assert flake8_reported_files(tmp_path, selection=("--extend-select", "BR010", "--extend-ignore", "BR010")) == set()


@pytest.mark.parametrize("config_file", ["setup.cfg", "tox.ini", ".flake8"])
@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        pytest.param(
            "backend-settings-modules = conf/*.py", {"app/settings.py", "app/views.py"}, id="replace"
        ),
        pytest.param("extend-backend-settings-modules = conf/*.py", {"app/views.py"}, id="extend"),
        pytest.param(
            "backend-settings-modules = conf/*.py, views.py", {"app/settings.py"}, id="comma-list"
        ),
        pytest.param(
            "backend-settings-modules =\n    conf/*.py\n    views.py", {"app/settings.py"}, id="multiline-list"
        ),
        pytest.param(
            "backend-check-tests = true", DEFAULT_REPORTED | {"tests/test_x.py"}, id="check-tests"
        ),
    ],
)
def test_flake8_reads_options_from_config_files(
    tmp_path: Path, config_file: str, setting: str, expected: Set[str]
) -> None:
    write_tree(tmp_path, CONFIG_PROJECT)
    # the file names the opt-in rule too: its selection is read with its options
    (tmp_path / config_file).write_text(f"[flake8]\nextend-select = BR010\n{setting}\n", encoding="utf-8")
    assert flake8_reported_files(tmp_path, selection=()) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--backend-settings-modules=conf/*.py"], {"app/settings.py", "app/views.py"}),
        (["--extend-backend-settings-modules=conf/*.py"], {"app/views.py"}),
        (["--backend-settings-modules=conf/*.py,views.py"], {"app/settings.py"}),
        (["--backend-check-tests"], DEFAULT_REPORTED | {"tests/test_x.py"}),
        (["--extend-backend-test-modules=views.py"], {"conf/app.py"}),
    ],
)
def test_flake8_reads_options_from_the_command_line(
    tmp_path: Path, args: List[str], expected: Set[str]
) -> None:
    write_tree(tmp_path, CONFIG_PROJECT)
    assert flake8_reported_files(tmp_path, ["--isolated", *args]) == expected


def test_flake8_command_line_overrides_the_config_file(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFIG_PROJECT)
    (tmp_path / "setup.cfg").write_text("[flake8]\nbackend-settings-modules = views.py\n", encoding="utf-8")
    assert flake8_reported_files(tmp_path) == {"app/settings.py", "conf/app.py"}
    assert flake8_reported_files(tmp_path, ["--backend-settings-modules=conf/*.py"]) == {
        "app/settings.py", "app/views.py",
    }


def test_flake8_version_lists_the_plugin(tmp_path: Path) -> None:
    run = run_python(["-m", "flake8", "--version"], cwd=tmp_path)
    assert run.returncode == 0
    assert f"flake8-backend-rules: {__version__}" in " ".join(run.stdout.split())


# -- pylint ---------------------------------------------------------------------------


def pylint_reported_files(project: Path, rcfile: Path, extra_args: Sequence[str] = ()) -> Set[str]:
    paths = sorted(name for name in CONFIG_PROJECT if name.endswith(".py") and CONFIG_PROJECT[name])
    run = pylint([*extra_args, *paths], cwd=project, rcfile=rcfile)
    assert "Traceback" not in run.stderr, run.stderr
    found = parse_pylint(run.stdout)
    assert all(items == [(3, 9, "BR010")] for items in found.values()), found
    assert run.returncode == pylint_status(found)
    return set(found)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], DEFAULT_REPORTED),
        (["--settings-modules=conf/*.py"], {"app/settings.py", "app/views.py"}),
        (["--extend-settings-modules=conf/*.py"], {"app/views.py"}),
        (["--settings-modules=conf/*.py,views.py"], {"app/settings.py"}),
        (["--check-tests=y"], DEFAULT_REPORTED | {"tests/test_x.py"}),
        (["--check-tests=n"], DEFAULT_REPORTED),
    ],
)
def test_pylint_options(tmp_path: Path, empty_rcfile: Path, args: List[str], expected: Set[str]) -> None:
    write_tree(tmp_path, CONFIG_PROJECT)
    assert pylint_reported_files(tmp_path, empty_rcfile, args) == expected


def test_pylint_reads_options_from_its_rcfile(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFIG_PROJECT)
    rcfile = tmp_path / "pylintrc"
    rcfile.write_text("[backend-rules]\nextend-settings-modules = conf/*.py\ncheck-tests = yes\n", encoding="utf-8")
    assert pylint_reported_files(tmp_path, rcfile) == {"app/views.py", "tests/test_x.py"}


_P_ENV = ("app/services.py", (3, 7, "BR010"))  # opt-in
_P_SWALLOWED = ("app/services.py", (9, 5, "BR020"))  # opt-in
_P_MIGRATION = ("app/migrations/0002_fill.py", (10, 19, "BR070"))  # default-on


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], [_P_MIGRATION], id="pylint-defaults"),
        pytest.param(["--enable=swallowed-exception"], [_P_SWALLOWED, _P_MIGRATION], id="enable-one"),
        pytest.param(["--disable=all", "--enable=swallowed-exception"], [_P_SWALLOWED], id="enable-only-one"),
        pytest.param(["--enable=swallowed-exception,env-read-outside-settings", "--disable=env-read-outside-settings"],
                     [_P_SWALLOWED, _P_MIGRATION], id="disable-one"),
        pytest.param(["--disable=irreversible-migration-operation"], [], id="disable-the-default-on-rule"),
        pytest.param(["--disable=all", "--enable=W5910"], [_P_ENV], id="enable-by-id"),
        pytest.param(["--enable=backend-rules"], [_P_ENV, _P_SWALLOWED, _P_MIGRATION], id="enable-the-checker"),
    ],
)
def test_pylint_enabling_decides_which_rules_report(
    tmp_path: Path, empty_rcfile: Path, args: List[str], expected: List[Tuple[str, Finding]]
) -> None:
    """An opt-in rule's message is disabled by default; ``--enable=<symbol>`` (or its id)
    turns it on, ``--disable`` turns a default-on one off."""
    write_tree(tmp_path, SELECTION_PROJECT)
    run = run_python(
        ["-m", "pylint", f"--rcfile={empty_rcfile}", "--load-plugins=pylint_plugins.backend_rules",
         "--msg-template={path}:{line}:{column}:{symbol}", "--score=n", "--persistent=n", "-j", "1",
         *args, *sorted(SELECTION_PROJECT)],
        cwd=tmp_path,
    )
    ours = "\n".join(line for line in run.stdout.splitlines() if line.split(":")[-1] in RULES_BY_SYMBOL)
    want: FindingsByPath = {}
    for path, finding in expected:
        want.setdefault(path, []).append(finding)
    assert parse_pylint(ours) == {path: sorted(items) for path, items in want.items()}
    assert "Traceback" not in run.stderr, run.stderr


def test_pylint_disable_comment_silences_the_symbol(tmp_path: Path, empty_rcfile: Path) -> None:
    write_tree(tmp_path, {"app/services.py": """\
        import os

        A = os.getenv("A")  # pylint: disable=env-read-outside-settings
        B = os.getenv("B")  # pylint: disable=query-in-loop
        C = os.getenv("C")
        """})
    run = pylint(["app/services.py"], cwd=tmp_path, rcfile=empty_rcfile)
    assert parse_pylint(run.stdout) == {"app/services.py": [(4, 5, "BR010"), (5, 5, "BR010")]}
    assert run.returncode == pylint_status(parse_pylint(run.stdout))


def test_pylint_never_imports_django(tmp_path: Path, empty_rcfile: Path) -> None:
    """A ``django`` package that refuses to import comes first on PYTHONPATH; findings still
    come out, Django-shaped code included. Whether the real environment has Django
    (``importlib.util.find_spec("django")`` here) is irrelevant: the subprocess resolves
    ``django`` to the booby-trapped package, as the first check proves."""
    trap = tmp_path / "trap"
    write_tree(trap, {"django/__init__.py": 'raise ImportError("pylint must never import Django")\n'})
    project = tmp_path / "project"
    write_tree(project, {
        "app/views.py": ENV_READ,
        "shop/models.py": """\
            from django.db import models


            class Order(models.Model):
                @property
                def total(self):
                    return sum(i.price for i in self.items.all())
            """,
    })
    probe = run_python(
        ["-c", "import importlib.util; print(importlib.util.find_spec('django').origin); import django"],
        cwd=project,
        pythonpath_first=trap,
    )
    assert probe.stdout.strip() == str(trap / "django" / "__init__.py")
    assert "ImportError: pylint must never import Django" in probe.stderr

    run = pylint(["app/views.py", "shop/models.py"], cwd=project, rcfile=empty_rcfile, pythonpath_first=trap)
    assert "Traceback" not in run.stderr, run.stderr
    assert parse_pylint(run.stdout) == {
        "app/views.py": [(3, 9, "BR010")],
        "shop/models.py": [(7, 37, "BR001")],
    }


# -- python -m flake8_backend_rules -------------------------------------------------------


def cli(args: Sequence[str], cwd: Path) -> Run:
    return run_python(["-m", "flake8_backend_rules", *args], cwd=cwd)


def test_cli_list_prints_one_row_per_rule(tmp_path: Path) -> None:
    run = cli(["list"], tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["code", "symbol", "default", "summary"]
    rows = [line.split(None, 3) for line in lines[1 : 1 + len(RULES)]]
    assert rows == [
        [r.code, r.symbol, "on" if r.default_on else "off", r.summary] for r in RULES.values()
    ]
    assert lines[1 + len(RULES) :] == [
        "", f"{len(RULES)} rules. `python -m flake8_backend_rules rule BR001` explains one."
    ]


def test_cli_list_json(tmp_path: Path) -> None:
    run = cli(["list", "--format", "json"], tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    payload = json.loads(run.stdout)
    assert [entry["code"] for entry in payload] == list(RULES)
    for entry in payload:
        rule = RULES[entry["code"]]
        assert entry == {
            "code": rule.code,
            "symbol": rule.symbol,
            "default": "on" if rule.default_on else "off",
            "family": rule.family,
            "pylint_id": rule.pylint_id,
            "summary": rule.summary,
        }


@pytest.mark.parametrize(("name", "code"), [("BR001", "BR001"), ("query-in-loop", "BR002"), ("br010", "BR010")])
def test_cli_rule_prints_the_rule_page(tmp_path: Path, name: str, code: str) -> None:
    run = cli(["rule", name], tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == render_rule_page(RULES[code]) + "\n"
    assert run.stdout.startswith(f"# {code} `{RULES[code].symbol}`\n")


@pytest.mark.parametrize("name", ["BR999", "no-such-rule"])
def test_cli_unknown_rule_exits_2(tmp_path: Path, name: str) -> None:
    run = cli(["rule", name], tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    assert f"unknown rule {name!r}" in run.stderr


def test_cli_check_lints_a_folder(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "proj/app/settings.py": ENV_READ,
        "proj/app/views.py": ENV_READ + textwrap.dedent("""\

            def notify(user):
                try:
                    user.notify()
                except Exception:
                    pass
            """),
        "proj/app/broken.py": "def f(:\n",
        "proj/tests/test_views.py": ENV_READ,
    })
    run = cli(["check", "proj", "--extend-select=BR010,BR020"], tmp_path)
    env_message = RULES["BR010"].format(expr="os.getenv('DEBUG')")  # ast.unparse quoting
    swallow_message = RULES["BR020"].format(handler="except Exception")
    assert run.stdout.splitlines() == [
        "proj/app/broken.py:1: cannot parse: invalid syntax",
        f"proj/app/views.py:3:9: BR010 {env_message}",
        f"proj/app/views.py:8:5: BR020 {swallow_message}",
    ]
    assert run.stderr == ""
    assert run.returncode == 1

    selected = cli(["check", "proj", "--select", "BR02"], tmp_path)
    assert [line.split(":")[:3] for line in selected.stdout.splitlines()] == [
        ["proj/app/broken.py", "1", " cannot parse"], ["proj/app/views.py", "8", "5"]
    ]

    with_tests = cli(["check", "proj/tests", "--check-tests", "--extend-select=BR010"], tmp_path)
    assert [line.split(":")[:3] for line in with_tests.stdout.splitlines()] == [
        ["proj/tests/test_views.py", "3", "9"]
    ]
    assert with_tests.returncode == 1


def test_cli_check_clean_folder_exits_0(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proj/app/settings.py": ENV_READ, "proj/tests/test_views.py": ENV_READ})
    # BR010 named: it would report these reads anywhere but a settings or a test module
    run = cli(["check", "proj", "--extend-select=BR010"], tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
