"""The CI report formats, through flake8 run as a subprocess: ``--format=sarif``,
``--format=github`` and ``--format=gitlab``.

Every document is parsed and checked field by field against what flake8's plain output
says about the same run, so a format that lost findings (or invented some) fails.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Sequence, Set, Tuple
from urllib.parse import urlparse

import pytest

from flake8_backend_rules import __version__
from flake8_backend_rules.registry import RULES
from flake8_backend_rules.report import DOCS_BASE_URL, INFORMATION_URI, escape_data, escape_property
from tests.test_frontends import FLAKE8_FORMAT, IRREVERSIBLE_MIGRATION, Run, parse_flake8, run_python, write_tree

REPO = Path(__file__).resolve().parent.parent
E_RULE = "BR033"  # the one rule in pylint category E: an error everywhere (opt-in)
OPT_IN = "BR084"
DEFAULT_ON = "BR070"
ENV_RULE = "BR010"  # opt-in

PROJECT = {
    # F401 at 2:1, BR010 at 4:9
    "app/views.py": """\
        import os
        import sys

        DEBUG = os.getenv("DEBUG")
        """,
    # BR033 at 9:15
    "app/stock.py": """\
        from django.http import JsonResponse
        from rest_framework.decorators import api_view

        from shop.models import Product


        @api_view(["POST"])
        def reserve(request, product_id):
            product = Product.objects.select_for_update().get(pk=product_id)
            return JsonResponse({"stock": product.stock})
        """,
    # BR084 at 4:32 (opt-in)
    "app/lookup.py": """\
        from typing import Optional


        def find(pk: int | None, slug: Optional[str]):
            return pk, slug
        """,
    # BR070 at 10:19 (default-on)
    "app/migrations/0002_fill.py": IRREVERSIBLE_MIGRATION,
}
ARGS = ["--isolated", f"--extend-select={ENV_RULE},{E_RULE},{OPT_IN}"]
# the opt-in rule of the tests that need one finding
ENV_ARGS = ["--isolated", f"--extend-select={ENV_RULE}"]
Located = Tuple[str, int, int, str]  # (path, line, 1-based column, code)


def flake8(args: Sequence[str], cwd: Path) -> Run:
    return run_python(["-m", "flake8", *args], cwd)


def plain_findings(cwd: Path, args: Sequence[str] = ARGS) -> Set[Located]:
    """What flake8 reports in its own format: the truth every report is checked against."""
    run = flake8([*args, f"--format={FLAKE8_FORMAT}", "."], cwd)
    assert run.stderr == ""
    return {(path, *item) for path, items in parse_flake8(run.stdout).items() for item in items}


def messages(cwd: Path, args: Sequence[str] = ARGS) -> Dict[str, str]:
    """Each code's message text as flake8 prints it (one finding per code here)."""
    run = flake8([*args, "--format=%(code)s|%(text)s", "."], cwd)
    pairs = [line.split("|", 1) for line in run.stdout.splitlines()]
    assert len({code for code, _ in pairs}) == len(pairs), pairs
    return dict((code, text) for code, text in pairs)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    write_tree(tmp_path, PROJECT)
    return tmp_path


def test_the_project_reports_what_these_tests_rely_on(project: Path) -> None:
    assert RULES[E_RULE].pylint_id.startswith("E")
    assert not RULES[OPT_IN].default_on and not RULES[ENV_RULE].default_on and not RULES[E_RULE].default_on
    assert RULES[DEFAULT_ON].default_on
    assert plain_findings(project) == {
        ("app/views.py", 2, 1, "F401"),
        ("app/views.py", 4, 9, "BR010"),
        ("app/stock.py", 9, 15, "BR033"),
        ("app/lookup.py", 4, 32, "BR084"),
        ("app/migrations/0002_fill.py", 10, 19, "BR070"),
    }


# -- SARIF ------------------------------------------------------------------------------

SARIF_LEVELS = {"none", "note", "warning", "error"}


def _is_absolute_uri(value: Any) -> bool:
    parsed = urlparse(value) if isinstance(value, str) else None
    return parsed is not None and parsed.scheme in ("http", "https", "file") and bool(parsed.path)


def _message_string(value: Any) -> None:
    """multiformatMessageString / message: an object whose ``text`` is a non-empty string."""
    assert isinstance(value, dict) and isinstance(value.get("text"), str) and value["text"], value


def check_sarif_structure(doc: Any) -> None:
    """The parts of the SARIF 2.1.0 schema this log uses: required properties, their types,
    enums and minimums (sarifLog, run, tool, toolComponent, reportingDescriptor, result,
    location, physicalLocation, artifactLocation, region)."""
    assert isinstance(doc, dict)
    assert doc["version"] == "2.1.0"
    assert isinstance(doc.get("$schema"), str) and _is_absolute_uri(doc["$schema"])
    assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    assert isinstance(driver["version"], str)
    assert _is_absolute_uri(driver["informationUri"])
    rules = driver["rules"]
    assert isinstance(rules, list)
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for rule in rules:
        assert isinstance(rule["id"], str) and rule["id"]
        _message_string(rule["shortDescription"])
        for optional in ("fullDescription", "help"):
            if optional in rule:
                _message_string(rule[optional])
        if "helpUri" in rule:
            assert _is_absolute_uri(rule["helpUri"])
        assert rule["defaultConfiguration"]["level"] in SARIF_LEVELS
    for base in run.get("originalUriBaseIds", {}).values():
        assert _is_absolute_uri(base["uri"]) and base["uri"].endswith("/")
    assert run["columnKind"] in ("utf16CodeUnits", "unicodeCodePoints")
    assert isinstance(run["results"], list)
    for result in run["results"]:
        _message_string(result["message"])
        assert result["level"] in SARIF_LEVELS
        assert isinstance(result["ruleIndex"], int) and 0 <= result["ruleIndex"] < len(rules)
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert isinstance(result["locations"], list) and result["locations"]
        for location in result["locations"]:
            artifact = location["physicalLocation"]["artifactLocation"]
            assert isinstance(artifact["uri"], str) and artifact["uri"]
            if "uriBaseId" in artifact:
                assert artifact["uriBaseId"] in run["originalUriBaseIds"]
                assert not urlparse(artifact["uri"]).scheme and not artifact["uri"].startswith("/")
            else:
                assert _is_absolute_uri(artifact["uri"])
            region = location["physicalLocation"].get("region")
            if region is not None:
                assert type(region["startLine"]) is int and region["startLine"] >= 1
                assert type(region["startColumn"]) is int and region["startColumn"] >= 1
        fingerprints = result.get("partialFingerprints", {})
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in fingerprints.items())


def sarif(cwd: Path, args: Sequence[str] = ARGS, paths: Sequence[str] = (".",)) -> Tuple[Run, Dict[str, Any]]:
    run = flake8([*args, "--format=sarif", *paths], cwd)
    doc = json.loads(run.stdout)
    check_sarif_structure(doc)
    return run, doc


def sarif_findings(doc: Dict[str, Any]) -> Set[Located]:
    found = set()
    for result in doc["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        found.add((
            location["artifactLocation"]["uri"],
            location["region"]["startLine"],
            location["region"]["startColumn"],
            result["ruleId"],
        ))
    return found


def test_sarif_describes_the_tool_and_every_rule(project: Path) -> None:
    run, doc = sarif(project)
    assert (run.returncode, run.stderr) == (1, "")
    driver = doc["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "flake8-backend-rules", __version__, INFORMATION_URI,
    )
    rules = driver["rules"]
    assert [rule["id"] for rule in rules[: len(RULES)]] == list(RULES)
    for descriptor, rule in zip(rules, RULES.values()):
        assert descriptor["name"] == rule.symbol
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"] == {"text": rule.what}
        assert descriptor["helpUri"] == f"{DOCS_BASE_URL}{rule.code}.md"
        # the placeholder URL names the page this repository ships
        assert (REPO / "docs" / "rules" / descriptor["helpUri"].rsplit("/", 1)[1]).is_file()
        expected_level = "error" if rule.pylint_id.startswith("E") else "warning" if rule.default_on else "note"
        assert descriptor["defaultConfiguration"] == {"level": expected_level}
    # other plugins' codes get a descriptor too, described by their first message
    assert rules[len(RULES):] == [{
        "id": "F401",
        "shortDescription": {"text": "'sys' imported but unused"},
        "defaultConfiguration": {"level": "warning"},
    }]


def test_sarif_has_one_result_per_finding_flake8_reports(project: Path) -> None:
    _, doc = sarif(project)
    assert sarif_findings(doc) == plain_findings(project)
    results = {result["ruleId"]: result for result in doc["runs"][0]["results"]}
    assert {code: result["message"]["text"] for code, result in results.items()} == messages(project)
    assert results["BR010"]["message"]["text"].startswith("environment read `os.getenv('DEBUG')`")
    assert {code: result["level"] for code, result in results.items()} == {
        DEFAULT_ON: "warning", E_RULE: "error", ENV_RULE: "note", OPT_IN: "note", "F401": "warning",
    }
    assert doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_sarif_follows_flake8s_selection(project: Path) -> None:
    """Without the opt-in rules selected, their findings are gone from flake8 and from SARIF."""
    _, doc = sarif(project, ["--isolated"])
    assert sarif_findings(doc) == plain_findings(project, ["--isolated"])
    assert {result["ruleId"] for result in doc["runs"][0]["results"]} == {DEFAULT_ON, "F401"}
    _, doc = sarif(project, ENV_ARGS)
    assert sarif_findings(doc) == plain_findings(project, ENV_ARGS)
    assert {result["ruleId"] for result in doc["runs"][0]["results"]} == {DEFAULT_ON, ENV_RULE, "F401"}


def test_sarif_without_findings_is_a_valid_empty_log(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/clean.py": "VALUE = 1\n"})
    run, doc = sarif(tmp_path, ["--isolated"])
    assert (run.returncode, run.stderr) == (0, "")
    assert doc["runs"][0]["results"] == []
    assert [rule["id"] for rule in doc["runs"][0]["tool"]["driver"]["rules"]] == list(RULES)


def test_sarif_output_file_holds_one_document_per_run(project: Path) -> None:
    """flake8 appends to --output-file; a second JSON document would make it invalid."""
    for _ in range(2):
        run = flake8([*ARGS, "--format=sarif", "--output-file=reports/flake8.sarif", "."], project)
        assert (run.returncode, run.stdout, run.stderr) == (1, "", "")
    doc = json.loads((project / "reports" / "flake8.sarif").read_text(encoding="utf-8"))
    check_sarif_structure(doc)
    assert sarif_findings(doc) == plain_findings(project)


def test_sarif_statistics_go_to_stderr(project: Path) -> None:
    run = flake8([*ARGS, "--format=sarif", "--statistics", "."], project)
    doc = json.loads(run.stdout)
    assert sarif_findings(doc) == plain_findings(project)
    assert "1     BR010 " in run.stderr


def test_sarif_names_a_file_outside_the_working_directory_by_absolute_uri(tmp_path: Path) -> None:
    write_tree(tmp_path, {"elsewhere/app.py": 'import os\n\nKEY = os.getenv("KEY")\n', "cwd/keep.txt": ""})
    target = tmp_path / "elsewhere" / "app.py"
    _, doc = sarif(tmp_path / "cwd", ENV_ARGS, [str(target)])
    [result] = doc["runs"][0]["results"]
    assert result["ruleId"] == "BR010"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": target.as_uri()}


# -- GitHub Actions ---------------------------------------------------------------------

GITHUB_LINE = re.compile(
    r"^::(?P<command>warning|error) file=(?P<file>[^,:]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"title=(?P<title>[^,:]+)::(?P<message>.+)$"
)


def test_github_prints_one_annotation_per_finding(project: Path) -> None:
    text = messages(project)
    run = flake8([*ARGS, "--format=github", "."], project)
    assert (run.returncode, run.stderr) == (1, "")
    lines = run.stdout.splitlines()
    assert all(GITHUB_LINE.match(line) for line in lines), lines
    assert "%" not in "".join(text.values())  # so no message needs escaping here
    assert sorted(lines) == sorted([
        f"::warning file=app/views.py,line=2,col=1,title=F401::{text['F401']}",
        f"::warning file=app/views.py,line=4,col=9,title=BR010 env-read-outside-settings::{text['BR010']}",
        f"::error file=app/stock.py,line=9,col=15,title={E_RULE} {RULES[E_RULE].symbol}::{text[E_RULE]}",
        f"::warning file=app/lookup.py,line=4,col=32,title={OPT_IN} {RULES[OPT_IN].symbol}::{text[OPT_IN]}",
        f"::warning file=app/migrations/0002_fill.py,line=10,col=19,title={DEFAULT_ON} {RULES[DEFAULT_ON].symbol}::"
        f"{text[DEFAULT_ON]}",
    ])
    assert text["F401"] == "'sys' imported but unused"


def test_github_escapes_properties_and_messages(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/a,b:c.py": 'import os\n\nRATE = os.getenv("100%")\n'})
    message = messages(tmp_path, ENV_ARGS)["BR010"]
    assert "os.getenv('100%')" in message
    run = flake8([*ENV_ARGS, "--format=github", "."], tmp_path)
    assert run.stdout.splitlines() == [
        "::warning file=app/a%2Cb%3Ac.py,line=3,col=8,title=BR010 env-read-outside-settings::"
        + message.replace("%", "%25")
    ]
    assert GITHUB_LINE.match(run.stdout.splitlines()[0])


def test_github_escape_rules() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext%3A a%2C b"


def test_github_without_findings_prints_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/clean.py": "VALUE = 1\n"})
    run = flake8(["--isolated", "--format=github", "."], tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


# -- GitLab Code Quality ----------------------------------------------------------------


def gitlab(cwd: Path, args: Sequence[str] = ARGS) -> List[Dict[str, Any]]:
    run = flake8([*args, "--format=gitlab", "."], cwd)
    assert run.stderr == ""
    report = json.loads(run.stdout)
    assert isinstance(report, list)
    for issue in report:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert set(issue["location"]) == {"path", "lines"}
        assert type(issue["location"]["lines"]["begin"]) is int
    assert len({issue["fingerprint"] for issue in report}) == len(report), "fingerprints must be unique"
    return report


def test_gitlab_reports_every_finding_with_its_severity(project: Path) -> None:
    report = gitlab(project)
    assert {
        (issue["location"]["path"], issue["location"]["lines"]["begin"], issue["check_name"])
        for issue in report
    } == {(path, line, code) for path, line, _, code in plain_findings(project)}
    by_code = {issue["check_name"]: issue for issue in report}
    assert {code: issue["severity"] for code, issue in by_code.items()} == {
        E_RULE: "critical", DEFAULT_ON: "major", ENV_RULE: "minor", OPT_IN: "minor", "F401": "major",
    }
    assert by_code["F401"]["description"] == "F401 'sys' imported but unused"
    assert by_code["BR010"]["description"].startswith("BR010 environment read `os.getenv('DEBUG')`")


ENV_READS = 'import os\n\nA = os.getenv("A")\nB = os.getenv("B")\n'


def fingerprints_by_line(report: List[Dict[str, Any]]) -> Dict[int, str]:
    return {issue["location"]["lines"]["begin"]: issue["fingerprint"] for issue in report}


def test_gitlab_fingerprints_survive_lines_inserted_above(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": ENV_READS})
    before = fingerprints_by_line(gitlab(tmp_path, ENV_ARGS))
    assert sorted(before) == [3, 4]
    (tmp_path / "app" / "views.py").write_text("# moved\n\n\n" + ENV_READS.replace("A = ", "A  =  "), "utf-8")
    after = fingerprints_by_line(gitlab(tmp_path, ENV_ARGS))
    assert after == {6: before[3], 7: before[4]}


def test_gitlab_fingerprints_change_with_the_offending_code(tmp_path: Path) -> None:
    """The pair of the test above: a fingerprint is not constant per rule or per file."""
    write_tree(tmp_path, {"app/views.py": ENV_READS})
    before = fingerprints_by_line(gitlab(tmp_path, ENV_ARGS))
    (tmp_path / "app" / "views.py").write_text(ENV_READS.replace('"A"', '"A2"'), "utf-8")
    after = fingerprints_by_line(gitlab(tmp_path, ENV_ARGS))
    assert after[4] == before[4] and after[3] != before[3]


def test_gitlab_identical_lines_get_distinct_fingerprints(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/views.py": ENV_READS + 'A = os.getenv("A")\n'})
    report = gitlab(tmp_path, ENV_ARGS)
    assert [issue["location"]["lines"]["begin"] for issue in report] == [3, 4, 5]


def test_gitlab_without_findings_is_an_empty_list(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app/clean.py": "VALUE = 1\n"})
    run = flake8(["--isolated", "--format=gitlab", "--output-file=gl-code-quality.json", "."], tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert json.loads((tmp_path / "gl-code-quality.json").read_text(encoding="utf-8")) == []
