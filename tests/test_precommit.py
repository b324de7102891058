"""The pre-commit hooks this repository ships (``.pre-commit-hooks.yaml``).

The fast tests check the manifest with pre-commit's own loader and ask real pylint which
of our messages the pylint hook's arguments enable. The slow tests run
``pre-commit try-repo`` end to end: pre-commit builds the hook environment (pip installs
this package, flake8 and pylint) and runs both hooks on a scratch git repository.

try-repo takes a repository's HEAD plus its uncommitted changes to *tracked* files, so
running it on the working copy would miss new, untracked files (this manifest included
until it is committed) and would depend on the index. Instead the working copy's files
(tracked and untracked, minus what .gitignore excludes) are committed into a private
git repository, and try-repo is pointed at that.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from flake8_backend_rules.registry import RULES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = PROJECT_ROOT / ".pre-commit-hooks.yaml"
# try-repo always works in a temporary store of its own (it does not reuse hook
# environments between runs); PRE_COMMIT_HOME only keeps anything else pre-commit writes
# out of the user's ~/.cache/pre-commit.
PRE_COMMIT_HOME = PROJECT_ROOT / ".cache" / "pre-commit"

# BR070 (default-on) at 10:19 in a migration module: what the hooks report
VIOLATION = """\
from django.db import migrations


def fill(apps, schema_editor):
    apps.get_model("app", "Order").objects.update(total=0)


class Migration(migrations.Migration):
    dependencies = [("app", "0001_initial")]
    operations = [migrations.RunPython(fill)]
"""
# BR010 (opt-in): the hooks select only the default-on rules, so this stays silent
OPT_IN_ONLY = 'import os\nKEY = os.getenv("KEY")\n'
CLEAN = "from django.conf import settings\n\nKEY = settings.KEY\n"

DEFAULT_ON_SYMBOLS = {rule.symbol for rule in RULES.values() if rule.default_on}
ALL_SYMBOLS = {rule.symbol for rule in RULES.values()}


def _hooks() -> Dict[str, dict]:
    from pre_commit.clientlib import load_manifest

    return {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}


# -- the manifest ------------------------------------------------------------------
def test_manifest_is_valid_and_declares_both_hooks() -> None:
    hooks = _hooks()  # raises InvalidManifestError on a schema violation
    assert set(hooks) == {"backend-rules", "backend-rules-pylint"}

    flake8_hook = hooks["backend-rules"]
    assert (flake8_hook["entry"], flake8_hook["language"]) == ("flake8", "python")
    assert flake8_hook["args"] == ["--select=BR,E9"]
    assert flake8_hook["types"] == ["python"]

    pylint_hook = hooks["backend-rules-pylint"]
    assert (pylint_hook["entry"], pylint_hook["language"]) == ("pylint", "python")
    assert pylint_hook["types"] == ["python"]
    args = pylint_hook["args"]
    assert "--load-plugins=pylint_plugins.backend_rules" in args
    assert "--score=n" in args
    assert args.index("--disable=all") < args.index("--enable=backend-rules")


def _enabled_messages(pylint_args: List[str]) -> List[str]:
    """Real pylint's own answer (``--list-msgs-enabled``) to which messages are on."""
    result = subprocess.run(
        [sys.executable, "-m", "pylint", *pylint_args, "--list-msgs-enabled"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    enabled_block = result.stdout.split("Enabled messages:", 1)[1].split("Disabled messages:", 1)[0]
    return re.findall(r"^\s+(\S+) \([A-Z]\d{4}\)$", enabled_block, flags=re.MULTILINE)


def test_pylint_hook_enables_exactly_the_default_on_rules() -> None:
    """``--enable=backend-rules`` turns on every message of the checker, opt-in ones too,
    so an opt-in rule needs its own ``--disable=<symbol>`` in the manifest. The flake8
    hook gets the same set from ``--select=BR`` plus the plugin's default ignore list."""
    enabled = set(_enabled_messages(_hooks()["backend-rules-pylint"]["args"]))
    assert enabled & ALL_SYMBOLS == DEFAULT_ON_SYMBOLS
    # --disable=all leaves only pylint's own non-disableable messages besides ours.
    assert not {"missing-module-docstring", "invalid-name", "unused-import"} & enabled


# -- end to end through pre-commit -------------------------------------------------
def _git_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # e.g. from a git hook
    env.update(
        GIT_AUTHOR_NAME="backend-rules tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="backend-rules tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(PRE_COMMIT_HOME),
        PRE_COMMIT_COLOR="never",
    )
    env.pop("PRE_COMMIT", None)
    return env


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, capture_output=True, text=True, env=_git_env(), timeout=120,
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def _project_files() -> List[str]:
    """The working copy as a commit of it would be: tracked and untracked files, less
    what .gitignore excludes (caches, build output) and tracked files deleted on disk."""
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout; try-repo needs one")
    listed = _git(PROJECT_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({name for name in listed.split("\0") if name and (PROJECT_ROOT / name).is_file()})


def _snapshot_repo(destination: Path) -> Path:
    for name in _project_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target)
    assert (destination / ".pre-commit-hooks.yaml").is_file()
    _git(destination, "init", "-q")
    _git(destination, "add", "-A")
    _git(destination, "commit", "-q", "--no-verify", "-m", "snapshot of the working copy")
    return destination


def _scratch_repo(path: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    _git(path, "init", "-q")
    _git(path, "add", "-A")  # --all-files lints what git tracks
    return path


def _pypi_unreachable() -> Optional[str]:
    """Why the hook environment cannot be built (pre-commit pip-installs flake8 and
    pylint into it), or None. Uses pip's own configuration (index, proxy)."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "index", "versions", "flake8", "--disable-pip-version-check"],
            capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if result.returncode != 0:
        return (result.stderr.strip().splitlines() or ["pip index failed"])[-1]
    return None


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _pypi_unreachable()
    if reason is not None:
        pytest.skip(f"PyPI is not reachable, pre-commit cannot build the hook environment: {reason}")
    PRE_COMMIT_HOME.mkdir(parents=True, exist_ok=True)
    return _snapshot_repo(tmp_path_factory.mktemp("hook-repo"))


def _try_repo(hook_repo: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    # No hook id: every hook of the manifest runs, from one hook environment (built
    # once per try-repo call, which is most of the time this takes).
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "--all-files", "--verbose"],
        cwd=workdir, capture_output=True, text=True, env=_git_env(), timeout=900,
    )


def _sections(output: str) -> Dict[str, str]:
    """pre-commit's output split per hook: hook id -> that hook's block of output."""
    sections: Dict[str, str] = {}
    for block in re.split(r"\n(?=[^\n]*\.{3,}(?:Passed|Failed|Skipped)\n)", "\n" + output):
        match = re.search(r"^- hook id: (\S+)$", block, flags=re.MULTILINE)
        if match:
            sections[match.group(1)] = block
    return sections


@pytest.mark.slow
def test_hooks_report_the_violation_and_fail(hook_repo: Path, tmp_path: Path) -> None:
    assert RULES["BR070"].default_on and not RULES["BR010"].default_on
    workdir = _scratch_repo(tmp_path / "project", {
        "app/__init__.py": "", "app/services.py": OPT_IN_ONLY,
        "app/migrations/__init__.py": "", "app/migrations/0002_fill.py": VIOLATION,
    })
    result = _try_repo(hook_repo, workdir)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # pre-commit: 1 when a hook fails
    assert "Traceback" not in output, output
    sections = _sections(result.stdout)
    assert set(sections) == {"backend-rules", "backend-rules-pylint"}, output

    flake8_block = sections["backend-rules"]
    assert re.search(r"^backend rules \(flake8\)\.+Failed$", flake8_block, flags=re.MULTILINE), flake8_block
    assert "- exit code: 1" in flake8_block
    reported = re.findall(r"^(\S+:\d+:\d+: BR\d{3}) ", flake8_block, flags=re.MULTILINE)
    assert reported == ["app/migrations/0002_fill.py:10:19: BR070"], flake8_block
    assert "`migrations.RunPython(fill)` has no reverse_code" in flake8_block

    pylint_block = sections["backend-rules-pylint"]
    assert re.search(r"^backend rules \(pylint\)\.+Failed$", pylint_block, flags=re.MULTILINE), pylint_block
    assert "- exit code: 4" in pylint_block  # pylint's bit for a warning
    messages = re.findall(r"^(\S+:\d+:\d+: \w+): BR\d{3} .* \(([a-z-]+)\)$", pylint_block, flags=re.MULTILINE)
    assert messages == [("app/migrations/0002_fill.py:10:18: W5970", "irreversible-migration-operation")], \
        pylint_block
    assert "rated at" not in pylint_block  # --score=n


@pytest.mark.slow
def test_hooks_fail_on_a_file_that_does_not_parse(hook_repo: Path, tmp_path: Path) -> None:
    """A syntax error must fail both hooks: flake8 drops E999 unless E9 is selected."""
    workdir = _scratch_repo(tmp_path / "project", {"app/__init__.py": "", "app/services.py": CLEAN,
                                                   "app/broken.py": "def f(:\n    pass\n"})
    result = _try_repo(hook_repo, workdir)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    sections = _sections(result.stdout)
    flake8_block = sections["backend-rules"]
    assert re.search(r"^backend rules \(flake8\)\.+Failed$", flake8_block, flags=re.MULTILINE), flake8_block
    assert re.findall(r"^(\S+:\d+:\d+: E\d{3}) ", flake8_block, flags=re.MULTILINE) == ["app/broken.py:1:8: E999"], \
        flake8_block
    pylint_block = sections["backend-rules-pylint"]
    assert re.search(r"^backend rules \(pylint\)\.+Failed$", pylint_block, flags=re.MULTILINE), pylint_block
    assert re.search(r"^app/broken.py:1:\d+: E0001: ", pylint_block, flags=re.MULTILINE), pylint_block


@pytest.mark.slow
def test_hooks_pass_on_clean_code(hook_repo: Path, tmp_path: Path) -> None:
    workdir = _scratch_repo(tmp_path / "project", {"app/__init__.py": "", "app/services.py": CLEAN})
    result = _try_repo(hook_repo, workdir)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"^backend rules \(flake8\)\.+Passed$", result.stdout, flags=re.MULTILINE), output
    assert re.search(r"^backend rules \(pylint\)\.+Passed$", result.stdout, flags=re.MULTILINE), output
    assert not re.search(r"\bBR\d{3}\b|\bW59\d\d\b", result.stdout), output
