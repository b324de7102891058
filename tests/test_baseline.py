"""The baseline, through the real front ends run as subprocesses: record with
``python -m flake8_backend_rules baseline``, check with ``flake8 --backend-baseline`` and
``pylint --baseline``, prune with ``--prune``.

Every "hidden" case is paired with the same source reporting without the baseline (or
with a change the baseline must not cover), so a baseline that hid everything, or a
plugin that crashed into silence, fails.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict, List

import pytest

from flake8_backend_rules.baseline import normalise_text
from tests.test_frontends import (
    FindingsByPath, Run, flake8, parse_flake8, parse_pylint, pylint, run_python, write_tree,
)

VIEWS = 'import os\n\nA = os.getenv("A")\nB = os.getenv("B")\n'
SERVICES = textwrap.dedent("""\
    def notify(send):
        try:
            send()
        except Exception:
            pass
    """)
PROJECT = {"app/views.py": VIEWS, "app/services.py": SERVICES}
# both rules are opt-in: the recorder and the checks name them
NAMED = "--extend-select=BR010,BR020"
SELECTED = "--select=BR010,BR020"
TODAY: FindingsByPath = {
    "app/views.py": [(3, 5, "BR010"), (4, 5, "BR010")],
    "app/services.py": [(4, 5, "BR020")],
}


def record(cwd: Path, *args: str) -> Run:
    return run_python(["-m", "flake8_backend_rules", "baseline", "--output", "baseline.json", *args], cwd)


def check(cwd: Path, *args: str) -> FindingsByPath:
    run = flake8(["--isolated", SELECTED, *args, "."], cwd)
    assert run.stderr == ""
    found = parse_flake8(run.stdout)
    assert run.returncode == (1 if found else 0)
    return found


def entries(cwd: Path) -> List[Dict[str, Any]]:
    payload = json.loads((cwd / "baseline.json").read_text(encoding="utf-8"))
    assert payload["version"] == 1
    return payload["findings"]


def edit(cwd: Path, name: str, text: str) -> None:
    write_tree(cwd, {name: text})


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    write_tree(tmp_path, PROJECT)
    run = record(tmp_path, NAMED, ".")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == "baseline.json: recorded 3 finding(s) in 2 file(s)\n"
    return tmp_path


@pytest.fixture(scope="module")
def empty_rcfile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pylintrc") / "empty.rc"
    path.write_text("", encoding="utf-8")
    return path


# -- recording ----------------------------------------------------------------------------


def test_the_baseline_file_lists_fingerprints_sorted(project: Path) -> None:
    assert entries(project) == [
        {"path": "app/services.py", "code": "BR020", "text": "except Exception:", "occurrence": 0},
        {"path": "app/views.py", "code": "BR010", "text": 'A = os.getenv("A")', "occurrence": 0},
        {"path": "app/views.py", "code": "BR010", "text": 'B = os.getenv("B")', "occurrence": 0},
    ]
    text = (project / "baseline.json").read_text(encoding="utf-8")
    assert "line" not in text  # fingerprints never hold a line number
    assert len(text.splitlines()) == 4 + 3 + 2  # one finding per line: small diffs


def test_recording_is_stable(project: Path) -> None:
    first = (project / "baseline.json").read_bytes()
    assert record(project, NAMED, "app/services.py", "app/views.py").returncode == 0
    assert (project / "baseline.json").read_bytes() == first


def test_recording_follows_the_flake8_configuration(tmp_path: Path) -> None:
    """The recorder runs flake8, so the project's options decide what it records."""
    write_tree(tmp_path, {"conf/app.py": VIEWS})
    assert record(tmp_path, ".").returncode == 0
    assert entries(tmp_path) == []  # BR010 is opt-in
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-select = BR010\n", "utf-8")
    assert record(tmp_path, ".").returncode == 0
    assert {entry["path"] for entry in entries(tmp_path)} == {"conf/app.py"}
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nextend-select = BR010\nextend-backend-settings-modules = conf/*.py\n", "utf-8")
    assert record(tmp_path, ".").returncode == 0
    assert entries(tmp_path) == []


def test_recording_an_opt_in_rule_needs_its_selection(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/lookup.py": """\
        from typing import Optional


        def find(pk: int | None, slug: Optional[str]):
            return pk, slug
        """})
    assert record(tmp_path, ".").returncode == 0
    assert entries(tmp_path) == []
    assert check(tmp_path, "--extend-select=BR084") == {"app/lookup.py": [(4, 32, "BR084")]}
    assert record(tmp_path, "--extend-select=BR084", ".").returncode == 0
    assert [entry["code"] for entry in entries(tmp_path)] == ["BR084"]
    assert check(tmp_path, "--extend-select=BR084", "--backend-baseline=baseline.json") == {}


# -- flake8 --backend-baseline ---------------------------------------------------------


def test_flake8_hides_the_recorded_findings(project: Path) -> None:
    assert check(project) == TODAY
    assert check(project, "--backend-baseline=baseline.json") == {}


@pytest.mark.parametrize("config_file", ["setup.cfg", "tox.ini", ".flake8"])
def test_flake8_reads_the_baseline_from_its_config_file(project: Path, config_file: str) -> None:
    run = flake8([SELECTED, "."], project)
    assert parse_flake8(run.stdout) == TODAY
    (project / config_file).write_text("[flake8]\nbackend-baseline = baseline.json\n", "utf-8")
    run = flake8([SELECTED, "."], project)
    assert (run.stdout, run.stderr, run.returncode) == ("", "", 0)


def test_moved_code_stays_hidden(project: Path) -> None:
    edit(project, "app/views.py", '"""Views."""\n\n# configuration\n' + VIEWS)
    edit(project, "app/services.py", """\
        import logging

        LOG = logging.getLogger()


        class Notifier:
            def notify(send):
                try:
                    send()
                except Exception:
                    pass
        """)
    moved = check(project)
    assert moved == {"app/views.py": [(6, 5, "BR010"), (7, 5, "BR010")], "app/services.py": [(10, 9, "BR020")]}
    assert check(project, "--backend-baseline=baseline.json") == {}


def test_reindented_or_commented_lines_stay_hidden(project: Path) -> None:
    edit(project, "app/views.py", VIEWS.replace('A = os.getenv("A")', 'A  =  os.getenv("A")  # TODO: settings'))
    assert check(project) == {**TODAY, "app/views.py": [(3, 7, "BR010"), (4, 5, "BR010")]}
    assert check(project, "--backend-baseline=baseline.json") == {}


def test_a_second_identical_violation_is_reported(project: Path) -> None:
    edit(project, "app/views.py", VIEWS + '\n\nA = os.getenv("A")\n')
    assert check(project, "--backend-baseline=baseline.json") == {"app/views.py": [(7, 5, "BR010")]}


def test_a_changed_line_is_reported(project: Path) -> None:
    edit(project, "app/views.py", VIEWS.replace('os.getenv("B")', 'os.getenv("B2")'))
    assert check(project, "--backend-baseline=baseline.json") == {"app/views.py": [(4, 5, "BR010")]}


def test_the_same_code_in_another_file_is_reported(project: Path) -> None:
    edit(project, "app/api.py", VIEWS)
    assert check(project, "--backend-baseline=baseline.json") == {
        "app/api.py": [(3, 5, "BR010"), (4, 5, "BR010")]
    }


def test_noqa_still_applies_and_does_not_shift_occurrences(project: Path) -> None:
    edit(project, "app/views.py", VIEWS.replace('A = os.getenv("A")', 'A = os.getenv("A")  # noqa: BR010')
         + 'A = os.getenv("A")\n')
    assert check(project) == {
        "app/views.py": [(4, 5, "BR010"), (5, 5, "BR010")], "app/services.py": [(4, 5, "BR020")],
    }
    assert check(project, "--backend-baseline=baseline.json") == {"app/views.py": [(5, 5, "BR010")]}


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("app/views.py", ""),
        ("./app/views.py", ""),
        ("app/other.py", "app/other.py:3:5:BR010\napp/other.py:4:5:BR010\n"),
    ],
)
def test_flake8_stdin_matches_by_display_name(project: Path, display_name: str, expected: str) -> None:
    run = flake8(["--isolated", SELECTED, "--backend-baseline=baseline.json", "--stdin-display-name", display_name,
                  "-"],
                 project, stdin=(project / "app" / "views.py").read_text("utf-8"))
    assert (run.stdout, run.stderr) == (expected, "")


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (None, "'broken.json' does not exist; record it with `python -m flake8_backend_rules baseline"),
        ("{not json", "'broken.json' is not a flake8-backend-rules baseline: not JSON"),
        ('{"version": 99, "findings": []}', "unsupported version 99"),
        ('{"version": 1, "findings": [{"path": "a.py"}]}', "finding #0 needs path, code, text"),
    ],
)
def test_an_unusable_baseline_is_a_configuration_error(project: Path, content: Any, complaint: str) -> None:
    if content is not None:
        (project / "broken.json").write_text(content, "utf-8")
    run = flake8(["--isolated", "--backend-baseline=broken.json", "."], project)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.startswith("flake8: error: --backend-baseline: ")
    assert complaint in run.stderr
    assert "Traceback" not in run.stderr


# -- pruning ----------------------------------------------------------------------------


def test_prune_drops_fixed_findings_and_adds_nothing(project: Path) -> None:
    edit(project, "app/views.py", VIEWS.replace('B = os.getenv("B")', 'B = "b"') + 'C = os.getenv("C")\n')
    run = record(project, "--prune", NAMED, ".")
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == "baseline.json: dropped 1 finding(s) that no longer occur; 2 kept\n"
    assert [entry["text"] for entry in entries(project)] == ["except Exception:", 'A = os.getenv("A")']
    # the new finding was not baselined by the prune; the kept ones still hide
    assert check(project, "--backend-baseline=baseline.json") == {"app/views.py": [(5, 5, "BR010")]}


def test_prune_keeps_files_outside_the_paths_and_drops_deleted_ones(project: Path) -> None:
    run = record(project, "--prune", NAMED, "app/views.py")
    assert run.stdout == "baseline.json: dropped 0 finding(s) that no longer occur; 3 kept\n"
    (project / "app" / "services.py").unlink()
    run = record(project, "--prune", NAMED, "app/views.py")
    assert run.stdout == "baseline.json: dropped 1 finding(s) that no longer occur; 2 kept\n"
    assert {entry["path"] for entry in entries(project)} == {"app/views.py"}


def test_prune_without_a_baseline_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, PROJECT)
    run = record(tmp_path, "--prune", ".")
    assert run.returncode == 2
    assert "'baseline.json' does not exist" in run.stderr
    assert not (tmp_path / "baseline.json").exists()


# -- pylint --baseline ------------------------------------------------------------------


def pylint_check(cwd: Path, rcfile: Path, *args: str) -> FindingsByPath:
    run = pylint([*args, "app/views.py", "app/services.py"], cwd, rcfile)
    assert run.stderr == ""
    return parse_pylint(run.stdout)


def test_pylint_honours_the_same_baseline(project: Path, empty_rcfile: Path) -> None:
    assert pylint_check(project, empty_rcfile) == TODAY
    assert pylint_check(project, empty_rcfile, "--baseline=baseline.json") == {}
    edit(project, "app/views.py", "# moved\n\n" + VIEWS + 'A = os.getenv("A")\n')
    assert pylint_check(project, empty_rcfile, "--baseline=baseline.json") == {"app/views.py": [(7, 5, "BR010")]}


def test_pylint_reads_the_baseline_from_its_rcfile(project: Path) -> None:
    rcfile = project / "pylintrc"
    rcfile.write_text("[backend-rules]\nbaseline = baseline.json\n", "utf-8")
    assert pylint_check(project, rcfile) == {}
    rcfile.write_text("[backend-rules]\n", "utf-8")
    assert pylint_check(project, rcfile) == TODAY


def test_pylint_unusable_baseline_is_a_usage_error(project: Path, empty_rcfile: Path) -> None:
    run = pylint(["--baseline=missing.json", "app/views.py"], project, empty_rcfile)
    assert run.returncode == 32
    assert run.stderr.startswith("pylint: error: --baseline: 'missing.json' does not exist")
    assert "Traceback" not in run.stderr


# -- the fingerprint text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('    A  =  os.getenv("A")   # noqa: BR010\n', 'A = os.getenv("A")'),
        ('x = "# not a comment"  # a comment\n', 'x = "# not a comment"'),
        ("y = 'it''s' + '\\'#'  # c\n", "y = 'it''s' + '\\'#'"),
        ('z = """#""" + f(a)\t#\n', 'z = """#""" + f(a)'),
        ("\ufeffimport os\r\n", "import os"),
    ],
)
def test_normalise_text(line: str, expected: str) -> None:
    assert normalise_text(line) == expected
