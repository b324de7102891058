"""Suppressions written for another linter (`# noqa: S608`, `# nosec`) count for the BR rule
with that equivalent: parsed here, and proved through real flake8, pylint and the `check`
command."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List

import pytest

from flake8_backend_rules.engine import Engine
from flake8_backend_rules.registry import RULES
from flake8_backend_rules.suppressions import line_suppressions, suppressed
from tests.test_frontends import flake8, parse_flake8, parse_pylint, pylint, run_python

SOURCE = textwrap.dedent(
    '''\
    import pickle


    def load(cursor, blob, table, user_id):
        cursor.execute(f"SELECT * FROM {table} WHERE id = {user_id}")  # noqa: S608
        cursor.execute(f"SELECT * FROM {table} WHERE id = {user_id}")  # nosec B608
        cursor.execute(f"SELECT * FROM {table} WHERE id = {user_id}")  # nosec
        cursor.execute(f"SELECT * FROM {table} WHERE id = {user_id}")  # noqa: E501
        print(user_id)  # noqa: T201
        print(user_id)  # nosec
        try:
            return pickle.loads(blob)  # noqa: E501,S301
        except Exception:  # noqa: BLE001
            return None
    '''
)
# The lines that stay reported: another code than the rule's, and a bare nosec on a rule
# with no bandit equivalent (BR080).
KEPT = [(8, 5, "BR050"), (10, 5, "BR080")]


def test_line_suppressions_parse_every_form() -> None:
    assert line_suppressions("x = 1") is None
    assert line_suppressions("x = 1  # a comment") is None
    assert line_suppressions("x  # noqa: S608") == frozenset({"S608"})
    assert line_suppressions("x  # noqa:S608,E501") == frozenset({"S608", "E501"})
    assert line_suppressions("x  # NOQA: s608 e501") == frozenset({"S608", "E501"})
    assert line_suppressions("x  # nosec") == frozenset({"*nosec"})
    assert line_suppressions("x  # nosec B608") == frozenset({"B608"})
    assert line_suppressions("x  # nosec: B110, B112") == frozenset({"B110", "B112"})
    assert line_suppressions("x  # noqa") is None  # flake8's own business


def test_bare_nosec_covers_only_rules_with_a_bandit_equivalent() -> None:
    bare = frozenset({"*nosec"})
    assert suppressed(RULES["BR050"].equivalents, bare)
    assert suppressed(RULES["BR020"].equivalents, bare)
    assert not suppressed(RULES["BR080"].equivalents, bare)
    assert not suppressed(RULES["BR080"].equivalents, frozenset({"E501"}))
    assert suppressed(RULES["BR080"].equivalents, frozenset({"T201"}))


@pytest.mark.parametrize("code", ["BR012", "BR020", "BR050", "BR052", "BR080"])
def test_the_mapping_is_on_the_rule_page(code: str) -> None:
    from flake8_backend_rules.docs import render_rule_page

    rule = RULES[code]
    assert rule.equivalents
    page = render_rule_page(rule)
    assert all(f"`{equivalent}`" in page for equivalent in rule.equivalents)


def _write(tmp_path: Path) -> Path:
    # the rules with equivalents are opt-in: the config names them
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = BR,BR012,BR020,BR050,BR052,BR080\n")
    (tmp_path / "pylintrc").write_text("")
    path = tmp_path / "loader.py"
    path.write_text(SOURCE)
    return path


def _codes(findings: List) -> List:
    return sorted(f for f in findings if f[2] in ("BR020", "BR050", "BR052", "BR080"))


def test_engine_with_the_front_ends_lines(tmp_path: Path) -> None:
    import ast

    path = _write(tmp_path)
    findings = Engine().run(ast.parse(SOURCE), "loader.py", lines=SOURCE.splitlines(True))
    assert _codes([(f.line, f.col + 1, f.code) for f in findings]) == KEPT
    # without lines from a front end, the engine reads them from the file
    findings = Engine().run(ast.parse(SOURCE), str(path))
    assert _codes([(f.line, f.col + 1, f.code) for f in findings]) == KEPT


def test_flake8_drops_the_findings_marked_for_other_linters(tmp_path: Path) -> None:
    _write(tmp_path)
    done = flake8(["loader.py"], tmp_path)
    found = parse_flake8(done.stdout).get("loader.py", [])
    assert _codes(found) == KEPT, done.stdout + done.stderr


def test_pylint_drops_the_findings_marked_for_other_linters(tmp_path: Path) -> None:
    _write(tmp_path)
    done = pylint(["loader.py"], tmp_path, tmp_path / "pylintrc")
    found = parse_pylint(done.stdout).get("loader.py", [])
    assert _codes(found) == KEPT, done.stdout + done.stderr


def test_check_command_drops_them_too(tmp_path: Path) -> None:
    _write(tmp_path)
    done = run_python(["-m", "flake8_backend_rules", "check", "loader.py"], tmp_path)
    lines = [line for line in done.stdout.splitlines() if "loader.py" in line]
    reported = sorted(line.split(":")[1] for line in lines if any(c in line for c in ("BR050", "BR080", "BR020",
                                                                                         "BR052")))
    assert reported == ["10", "8"], done.stdout + done.stderr
