"""The documentation holds: the README stays short, every command it gives exists, the
test command CI runs is the README's, its links resolve, and no file cites a
specification the repository does not hold."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set

import pytest

from flake8_backend_rules.options import OPTION_SPECS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_TEXT = README.read_text(encoding="utf-8")

# Built from parts so that this file does not cite it either.
ABSENT_SPEC = "RULES" + ".md"
# Folders that are not the project's own text: environments, caches, build output.
_SKIPPED = {".git", ".venv", "venv", ".cache", ".mypy_cache", ".pytest_cache", "__pycache__", "build", "dist",
            "node_modules"}

_CLI = re.compile(r"python -m flake8_backend_rules ([a-z][\w-]*)")


def _help(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", *args, "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _commands_in_readme() -> Dict[str, List[str]]:
    """Each subcommand the README runs, with the options written after it on the same
    line (comments after `#` left out)."""
    found: Dict[str, List[str]] = {}
    for line in README_TEXT.splitlines():
        code = line.split(" #", 1)[0]
        for match in _CLI.finditer(code):
            rest = code[match.end():].split("`", 1)[0]
            options = re.findall(r"(?<![\w-])(--[a-z][\w-]*)", rest)
            found.setdefault(match.group(1), []).extend(options)
    return found


def test_readme_is_at_most_16000_bytes() -> None:
    assert len(README.read_bytes()) <= 16_000


def test_every_command_the_readme_gives_exists() -> None:
    commands = _commands_in_readme()
    # the README must show the commands a user meets first; an empty scan proves nothing
    assert {"list", "rule", "check", "baseline", "explain-model"} <= set(commands)
    top = _help("flake8_backend_rules")
    choices = set(re.search(r"\{([\w,-]+)\}", top).group(1).split(","))  # type: ignore[union-attr]
    assert set(commands) <= choices, set(commands) - choices
    for command, options in commands.items():
        text = _help("flake8_backend_rules", command)
        missing = [option for option in options if option not in text]
        assert not missing, f"{command}: {missing}"


def test_every_option_the_readme_gives_flake8_exists() -> None:
    named = set(re.findall(r"--((?:extend-)?backend-[a-z-]+)", README_TEXT))
    assert "backend-baseline" in named  # the README names flake8 options; an empty scan proves nothing
    text = _help("flake8")
    missing = sorted(name for name in named if f"--{name}" not in text)
    assert not missing, missing


def test_the_configuration_table_lists_every_option() -> None:
    rows = set(re.findall(r"^\| `(backend-[a-z-]+)` \|", README_TEXT, flags=re.M))
    assert rows == {spec.name for spec in OPTION_SPECS} | {"backend-baseline"}


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run executes the sh block after "Run the tests:"; it must be the suite."""
    section = README_TEXT.split("\nRun the tests:\n", 1)
    assert len(section) == 2, "README lost its 'Run the tests:' line, which .ci/run reads"
    block = re.match(r"\s*```sh\n(.+?)\n```", section[1], flags=re.S)
    assert block is not None
    assert "pip install -e '.[test]'" in block.group(1)
    assert "python -m pytest -n 2" in block.group(1)


def test_readme_links_resolve() -> None:
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README_TEXT)
    local = [t for t in targets if "://" not in t]
    assert local
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing


def _project_text_files() -> Iterator[Path]:
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in _SKIPPED and not d.endswith(".egg-info")
                   and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg"))]
        for name in names:
            if name.endswith((".py", ".md")):
                yield Path(folder, name)


def test_no_file_cites_a_specification_the_repository_does_not_hold() -> None:
    assert not (ROOT / ABSENT_SPEC).exists()
    files = list(_project_text_files())
    assert any(f.name == "README.md" for f in files) and any(f.suffix == ".py" for f in files)
    citing: Set[str] = {
        str(f.relative_to(ROOT)) for f in files if ABSENT_SPEC in f.read_text(encoding="utf-8", errors="replace")
    }
    assert not citing, sorted(citing)


@pytest.mark.parametrize("name", ["CONTRIBUTING.md", "CHANGELOG.md", "docs/evaluation/README.md"])
def test_companion_documents_exist(name: str) -> None:
    assert (ROOT / name).read_text(encoding="utf-8").strip()
