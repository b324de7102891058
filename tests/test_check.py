"""``python -m flake8_backend_rules check`` against flake8 itself, both run as subprocesses.

``check`` is flake8 restricted to the BR rules, so most tests run the same arguments through
both and require the same output, *and* pin what that output is: a parity test alone would
pass if both printed nothing.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any, List, Sequence

import pytest

from flake8_backend_rules.registry import DEFAULT_OFF, RULES
from tests.test_examples import DEFAULT_ON_EXPECTED, EXPECTED
from tests.test_frontends import FLAKE8_FORMAT, ENV_READ, FindingsByPath, Run, parse_flake8, run_python, write_tree

ROOT = Path(__file__).resolve().parent.parent
OPT_IN = "BR084"
OPT_IN_SOURCE = """\
    from typing import Optional


    def find(pk: int | None, slug: Optional[str]):
        return pk, slug
    """  # BR084 at 4:32
# the opt-in rules these tests rely on (ENV_READ: BR010, SWALLOW: BR020)
NAMED = "--extend-select=BR010,BR020"
SWALLOW = """\
    def notify(user):
        try:
            user.notify()
        except Exception:
            pass
    """  # BR020 at 4:5


def check(args: Sequence[str], cwd: Path, stdin: str | None = None) -> Run:
    return run_python(["-m", "flake8_backend_rules", "check", *args], cwd, stdin=stdin)


def flake8(args: Sequence[str], cwd: Path, stdin: str | None = None) -> Run:
    return run_python(["-m", "flake8", *args], cwd, stdin=stdin)


def findings(run: Run) -> FindingsByPath:
    assert run.stderr == ""
    found = parse_flake8(run.stdout)
    assert run.returncode == (1 if found else 0)
    return found


def both(args: Sequence[str], cwd: Path, stdin: str | None = None) -> FindingsByPath:
    """The BR findings of `check ARGS` and of `flake8 --select=BR ARGS` (plus what the
    configuration selects), required equal; flake8's other plugins report nothing here."""
    ours = findings(check([*args, f"--format={FLAKE8_FORMAT}"], cwd, stdin))
    theirs = findings(flake8([*args, f"--format={FLAKE8_FORMAT}"], cwd, stdin))
    assert ours == {path: [f for f in items if f[2].startswith("BR")] for path, items in theirs.items()}
    return ours


# -- the bundled example --------------------------------------------------------------------


def _rows(output: str) -> set:
    rows = set()
    for line in output.splitlines():
        path, row, code = line.rsplit(":", 2)
        rows.add((path, int(row), code))
    return rows


@pytest.mark.parametrize("extra", [[], ["--extend-select=" + ",".join(DEFAULT_OFF or ("BR",))]])
def test_check_and_flake8_print_the_same_findings_on_the_example(extra: List[str], tmp_path: Path) -> None:
    args = ["--isolated", f"--backend-cache-dir={tmp_path}", *extra, "examples/"]
    ours = check(args, ROOT)
    theirs = flake8(["--select=BR", *args], ROOT)
    assert (ours.returncode, ours.stderr) == (1, "")
    assert ours.stdout == theirs.stdout  # same lines, same order, same messages
    short = check([*args, "--format=%(path)s:%(row)d:%(code)s"], ROOT)
    assert _rows(short.stdout) == (EXPECTED if extra else DEFAULT_ON_EXPECTED)


def test_check_runs_only_the_br_rules(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": "import sys\n" + ENV_READ + "x=1\n"})  # F401, E225
    args = ["--isolated", "--select=E,F,W,BR010", f"--format={FLAKE8_FORMAT}", "app"]
    assert {code for _, _, code in parse_flake8(flake8(args, tmp_path).stdout)["app/views.py"]} == {
        "F401", "E225", "BR010"
    }
    assert findings(check(args, tmp_path)) == {"app/views.py": [(4, 9, "BR010")]}


# -- noqa -----------------------------------------------------------------------------------

NOQA = """\
    import os

    A = os.getenv("A")  # noqa: BR010
    B = os.getenv("B")  # noqa: E501
    C = os.getenv("C")  # noqa
    D = os.getenv("D")  # NOQA:E501,BR010
    E = os.getenv("E")  # noqa: BR01
    F = os.getenv("F")  # noqa:BR020
    G = os.getenv("G")
    """


def test_noqa_comments_are_honoured_as_flake8_honours_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": NOQA})
    assert both(["--isolated", NAMED, "app"], tmp_path) == {
        "app/views.py": [(4, 5, "BR010"), (8, 5, "BR010"), (9, 5, "BR010")]
    }
    # --disable-noqa, as in flake8
    assert len(both(["--isolated", NAMED, "--disable-noqa", "app"], tmp_path)["app/views.py"]) == 7


def test_a_file_level_flake8_noqa_skips_the_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": "# flake8: noqa\n" + ENV_READ, "app/api.py": ENV_READ})
    assert both(["--isolated", NAMED, "app"], tmp_path) == {"app/api.py": [(3, 9, "BR010")]}


# -- configuration files ----------------------------------------------------------------------

CONFIGURED = {
    "app/views.py": ENV_READ + "\n\n" + textwrap.dedent(SWALLOW),  # BR010 3:9, BR020 9:5
    "app/lookup.py": OPT_IN_SOURCE,  # BR084 (opt-in) 4:32
    "app/envs.py": ENV_READ,  # BR010 3:9, unless a settings module
    "app/legacy/old.py": ENV_READ,  # BR010 3:9, unless excluded
    "app/reports.py": ENV_READ,  # BR010 3:9, unless ignored for this file
    "tests/test_views.py": ENV_READ,  # a test module: silent, unless backend-check-tests
}
CONFIG = """\
    [flake8]
    select = BR01,BR02
    extend-select = BR084
    extend-ignore = BR020
    exclude = app/legacy
    per-file-ignores =
        app/reports.py: BR010
    extend-backend-settings-modules = app/envs.py
    backend-check-tests = true
    """
CONFIGURED_FINDINGS = {
    "app/views.py": [(3, 9, "BR010")],
    "app/lookup.py": [(4, 32, OPT_IN)],
    "tests/test_views.py": [(3, 9, "BR010")],
}


@pytest.mark.parametrize("config_file,section", [
    ("setup.cfg", ""), ("tox.ini", "[tox]\n"), (".flake8", ""),
])
def test_the_flake8_configuration_file_is_read(tmp_path: Path, config_file: str, section: str) -> None:
    write_tree(tmp_path, CONFIGURED)
    assert not {RULES[code].default_on for code in (OPT_IN, "BR010", "BR020")} - {False}
    # without the configuration: the defaults (every rule here is opt-in: silent)...
    assert both(["--isolated", "."], tmp_path) == {}
    # ... and with BR010 and BR020 named, no exclusion, no per-file ignore, tests not checked
    assert both(["--isolated", NAMED, "."], tmp_path) == {
        "app/views.py": [(3, 9, "BR010"), (9, 5, "BR020")],
        "app/envs.py": [(3, 9, "BR010")],
        "app/legacy/old.py": [(3, 9, "BR010")],
        "app/reports.py": [(3, 9, "BR010")],
    }
    (tmp_path / config_file).write_text(section + textwrap.dedent(CONFIG), encoding="utf-8")
    assert both(["."], tmp_path) == CONFIGURED_FINDINGS


def test_command_line_selection_overrides_the_configuration(tmp_path: Path) -> None:
    write_tree(tmp_path, CONFIGURED)
    (tmp_path / "setup.cfg").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
    # the command line's select replaces the file's (BR01: BR010 is gone); BR020 stays in
    # the file's extend-ignore, BR084 in its extend-select
    assert both(["--select=BR02", "."], tmp_path) == {"app/lookup.py": [(4, 32, OPT_IN)]}
    assert both(["--select=BR084", "."], tmp_path) == {"app/lookup.py": [(4, 32, OPT_IN)]}
    assert both(["--isolated", "--select=BR01,BR02", "app/views.py"], tmp_path) == {
        "app/views.py": [(3, 9, "BR010"), (9, 5, "BR020")]
    }


def test_an_opt_in_rule_runs_only_when_named(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/lookup.py": OPT_IN_SOURCE})
    assert both(["--isolated", "app"], tmp_path) == {}
    assert both(["--isolated", "--select=BR", "app"], tmp_path) == {}  # the plugin's prefix is not a name
    assert both(["--isolated", f"--extend-select={OPT_IN}", "app"], tmp_path) == {"app/lookup.py": [(4, 32, OPT_IN)]}
    assert both(["--isolated", "--select=BR08", "app"], tmp_path) == {"app/lookup.py": [(4, 32, OPT_IN)]}


def test_check_tests_is_short_for_the_backend_option(tmp_path: Path) -> None:
    write_tree(tmp_path, {"tests/test_views.py": ENV_READ})
    assert findings(check(["--isolated", NAMED, "tests"], tmp_path)) == {}
    expected = {"tests/test_views.py": [(3, 9, "BR010")]}
    assert findings(check(["--isolated", NAMED, "--check-tests", f"--format={FLAKE8_FORMAT}", "tests"],
                          tmp_path)) == expected
    assert both(["--isolated", NAMED, "--backend-check-tests", "tests"], tmp_path) == expected


def test_a_bad_option_value_is_a_configuration_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": ENV_READ})
    run = check(["--isolated", "--backend-settings-modules=[abc", "app"], tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    assert "backend-settings-modules: malformed glob" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_baseline_option_hides_the_recorded_findings(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": ENV_READ})
    assert both(["--isolated", NAMED, "app"], tmp_path) == {"app/views.py": [(3, 9, "BR010")]}
    recorded = run_python(["-m", "flake8_backend_rules", "baseline", "--output", "baseline.json",
                           "--extend-select=BR010", "app"], tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    assert both(["--isolated", NAMED, "--backend-baseline=baseline.json", "app"], tmp_path) == {}
    write_tree(tmp_path, {"app/views.py": ENV_READ + 'OTHER = os.getenv("OTHER")\n'})
    assert both(["--isolated", NAMED, "--backend-baseline=baseline.json", "app"], tmp_path) == {
        "app/views.py": [(4, 9, "BR010")]
    }
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-select = BR010\nbackend-baseline = baseline.json\n",
                                        encoding="utf-8")
    assert both(["app"], tmp_path) == {"app/views.py": [(4, 9, "BR010")]}


# -- stdin ----------------------------------------------------------------------------------


def test_stdin_takes_the_display_name(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": "x = 1\n"})  # the saved file is clean; the buffer is not
    source = ENV_READ + "\n\n" + textwrap.dedent(SWALLOW)
    args = ["--isolated", NAMED, "--stdin-display-name=app/views.py", "-"]
    assert both(args, tmp_path, stdin=source) == {"app/views.py": [(3, 9, "BR010"), (9, 5, "BR020")]}
    # the display name decides what the module is: a settings module may read the environment
    settings = ["--isolated", NAMED, "--stdin-display-name=app/settings.py", "-"]
    assert both(settings, tmp_path, stdin=source) == {"app/settings.py": [(9, 5, "BR020")]}
    # no display name: flake8's "stdin"
    assert both(["--isolated", NAMED, "-"], tmp_path, stdin=source) == {"stdin": [(3, 9, "BR010"), (9, 5, "BR020")]}


def test_stdin_that_cannot_be_parsed_is_reported_under_its_display_name(tmp_path: Path) -> None:
    run = check(["--isolated", "--stdin-display-name=app/views.py", "-"], tmp_path, stdin="def f(:\n")
    assert (run.returncode, run.stdout, run.stderr) == (1, "app/views.py:1: cannot parse: invalid syntax\n", "")


# -- formats --------------------------------------------------------------------------------

FORMATTED = {
    "app/views.py": ENV_READ + "\n\n" + textwrap.dedent(SWALLOW),  # BR010 3:9, BR020 9:5
    "app/api.py": ENV_READ,  # BR010 3:9
}


@pytest.fixture()
def formatted(tmp_path: Path) -> Path:
    write_tree(tmp_path, FORMATTED)
    return tmp_path


def test_the_default_format_is_flake8s(formatted: Path) -> None:
    run = check(["--isolated", NAMED, "app"], formatted)
    message = RULES["BR010"].format(expr="os.getenv('DEBUG')")
    assert run.stdout.splitlines() == [
        f"app/api.py:3:9: BR010 {message}",
        f"app/views.py:3:9: BR010 {message}",
        f"app/views.py:9:5: BR020 {RULES['BR020'].format(handler='except Exception')}",
    ]
    assert run.stdout == flake8(["--isolated", "--select=BR", NAMED, "app"], formatted).stdout
    pylint_style = check(["--isolated", NAMED, "--format=pylint", "app"], formatted)
    assert pylint_style.stdout.splitlines()[0] == f"app/api.py:3: [BR010] {message}"


def test_sarif_is_the_document_flake8_writes(formatted: Path) -> None:
    ours = check(["--isolated", NAMED, "--format=sarif", "app"], formatted)
    theirs = flake8(["--isolated", "--select=BR", NAMED, "--format=sarif", "app"], formatted)
    assert ours.returncode == 1
    doc = json.loads(ours.stdout)
    assert doc == json.loads(theirs.stdout)
    run = doc["runs"][0]
    assert {rule["id"] for rule in run["tool"]["driver"]["rules"]} == set(RULES)
    located = sorted(
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            result["locations"][0]["physicalLocation"]["region"]["startColumn"],
            result["ruleId"],
        )
        for result in run["results"]
    )
    assert located == [("app/api.py", 3, 9, "BR010"), ("app/views.py", 3, 9, "BR010"), ("app/views.py", 9, 5, "BR020")]


def test_github_prints_one_annotation_per_finding(formatted: Path) -> None:
    run = check(["--isolated", NAMED, "--format=github", "app"], formatted)
    assert run.stdout == flake8(["--isolated", "--select=BR", NAMED, "--format=github", "app"], formatted).stdout
    pattern = re.compile(r"^::warning file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
                         r"title=(?P<code>BR\d{3}) (?P<symbol>[a-z-]+)::(?P<message>.+)$")
    matches = [pattern.match(line) for line in run.stdout.splitlines()]
    assert all(matches), run.stdout
    assert [(m["file"], int(m["line"]), int(m["col"]), m["code"], m["symbol"]) for m in matches if m] == [
        ("app/api.py", 3, 9, "BR010", RULES["BR010"].symbol),
        ("app/views.py", 3, 9, "BR010", RULES["BR010"].symbol),
        ("app/views.py", 9, 5, "BR020", RULES["BR020"].symbol),
    ]


def test_gitlab_is_the_report_flake8_writes(formatted: Path) -> None:
    run = check(["--isolated", NAMED, "--format=gitlab", "app"], formatted)
    report = json.loads(run.stdout)
    assert report == json.loads(flake8(["--isolated", "--select=BR", NAMED, "--format=gitlab", "app"],
                                       formatted).stdout)
    assert sorted((issue["location"]["path"], issue["location"]["lines"]["begin"], issue["check_name"])
                  for issue in report) == [("app/api.py", 3, "BR010"), ("app/views.py", 3, "BR010"),
                                           ("app/views.py", 9, "BR020")]
    assert len({issue["fingerprint"] for issue in report}) == 3


def test_output_file_and_exit_zero_as_in_flake8(formatted: Path) -> None:
    run = check(["--isolated", NAMED, "--exit-zero", "--output-file=out/report.txt", "app"], formatted)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert len((formatted / "out" / "report.txt").read_text().splitlines()) == 3


# -- statistics -----------------------------------------------------------------------------


def statistics_line(count: int, code: str) -> str:
    rule = RULES[code]
    return f"{count:<5} {code} {rule.symbol} {rule.summary}"


@pytest.mark.parametrize("command", [check, flake8])
def test_statistics_name_each_rule(formatted: Path, command: Any) -> None:
    run = command(["--isolated", "--select=BR010,BR020", "--statistics", "--format=%(code)s", "app"], formatted)
    expected = [statistics_line(2, "BR010"), statistics_line(1, "BR020")]
    assert run.stdout.splitlines() == ["BR010", "BR010", "BR020", *expected]
    # the summary, not the first finding's message
    assert RULES["BR010"].format(expr="os.getenv('DEBUG')") not in expected[0]


def test_statistics_of_other_plugins_keep_flake8s_text(formatted: Path) -> None:
    write_tree(formatted, {"app/extra.py": "import sys\n"})
    run = flake8(["--isolated", "--select=F401,BR010", "--statistics", "--format=%(code)s", "app"], formatted)
    assert run.stdout.splitlines()[-2:] == [statistics_line(2, "BR010"), "1     F401 'sys' imported but unused"]


def test_statistics_of_a_document_format_go_to_stderr(formatted: Path) -> None:
    run = check(["--isolated", NAMED, "--statistics", "--format=sarif", "app"], formatted)
    assert len(json.loads(run.stdout)["runs"][0]["results"]) == 3
    assert run.stderr.splitlines() == [statistics_line(2, "BR010"), statistics_line(1, "BR020")]


# -- files that cannot be parsed ------------------------------------------------------------------

BROKEN = {"app/a_broken.py": "def f(:\n", "app/views.py": ENV_READ}


def test_a_file_that_cannot_be_parsed_is_reported_whatever_the_selection(tmp_path: Path) -> None:
    write_tree(tmp_path, BROKEN)
    for args in (["--select=BR"], ["--extend-ignore=E999"], ["--exit-zero"]):
        run = check(["--isolated", *args, "app"], tmp_path)
        assert run.stdout.splitlines()[0] == "app/a_broken.py:1: cannot parse: invalid syntax"
        assert run.returncode == 1
    write_tree(tmp_path, {"app/views.py": "x = 1\n"})
    only_broken = check(["--isolated", "app"], tmp_path)
    assert (only_broken.returncode, only_broken.stdout) == (1, "app/a_broken.py:1: cannot parse: invalid syntax\n")


def test_ci_formats_show_a_file_that_cannot_be_parsed(tmp_path: Path) -> None:
    write_tree(tmp_path, BROKEN)
    sarif = json.loads(check(["--isolated", NAMED, "--format=sarif", "app"], tmp_path).stdout)
    results = [(r["ruleId"], r["message"]["text"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
               for r in sarif["runs"][0]["results"]]
    assert results == [("E999", "cannot parse: invalid syntax", "app/a_broken.py"),
                       ("BR010", RULES["BR010"].format(expr="os.getenv('DEBUG')"), "app/views.py")]
    gitlab = json.loads(check(["--isolated", NAMED, "--format=gitlab", "app"], tmp_path).stdout)
    assert [(issue["check_name"], issue["location"]["path"]) for issue in gitlab] == [
        ("E999", "app/a_broken.py"), ("BR010", "app/views.py")
    ]
    github = check(["--isolated", "--format=github", "missing.py"], tmp_path)
    assert github.returncode == 1
    assert github.stdout.startswith("::warning file=missing.py,line=1,col=1,title=E902::cannot read: ")


# -- rule -----------------------------------------------------------------------------------------


def rule(name: str, cwd: Path) -> Run:
    return run_python(["-m", "flake8_backend_rules", "rule", name], cwd)


def test_rule_takes_the_pylint_id_and_the_symbol(tmp_path: Path) -> None:
    page = rule("BR002", tmp_path)
    assert page.returncode == 0 and page.stdout.startswith("# BR002 ")
    assert RULES["BR002"].pylint_id == "W5902"
    for name in ("W5902", "w5902", RULES["BR002"].symbol, "br002"):
        assert rule(name, tmp_path) == page, name
    error_rule = next(r for r in RULES.values() if not r.pylint_id.startswith("W"))
    assert rule(error_rule.pylint_id, tmp_path).stdout.startswith(f"# {error_rule.code} ")


@pytest.mark.parametrize("name", ["W5999", "E5902", "BR000", "query-in-loops"])
def test_rule_says_when_it_does_not_know_the_name(tmp_path: Path, name: str) -> None:
    run = rule(name, tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    assert f"unknown rule {name!r}" in run.stderr


def test_check_help_describes_the_flake8_options(tmp_path: Path) -> None:
    run = check(["--help"], tmp_path)
    assert run.returncode == 0
    assert run.stdout.startswith("usage: python -m flake8_backend_rules check [flake8 options] [PATH ...]")
    listed = run_python(["-m", "flake8_backend_rules", "--help"], tmp_path)
    assert "check" in listed.stdout and "--all" not in listed.stdout
