"""The ways a run goes wrong, through the real commands: each ends with a clear message and,
where the user must act, a non-zero exit; never a traceback.

* ``python -m flake8_backend_rules check`` on files Python itself cannot parse reports
  ``path:line: cannot parse: ...`` for each, goes on with the other files and exits 1.
* Output piped into a reader that stops early (``| head``) ends quietly.
* A malformed glob or an empty list in an option is a configuration error naming the
  option, from flake8 (command line and setup.cfg) and from pylint.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

ENV_READ = 'import os\n\nKEY = os.getenv("KEY")\n'


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONSAFEPATH"] = "1"
    env.pop("PYLINTRC", None)
    return env


def _run(args: List[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=_env(), timeout=300)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture()
def broken_tree(tmp_path: Path) -> Path:
    _write(tmp_path / "app" / "a_syntax.py", b"def f(:\n    pass\n")
    _write(tmp_path / "app" / "b_nul.py", b"x = 1\x00\n")
    _write(tmp_path / "app" / "c_encoding.py", b"# -*- coding: klingon -*-\nx = 1\n")
    _write(tmp_path / "app" / "d_undecodable.py", b"# coding: utf-8\nx = '\xff\xfe'\n")
    _write(tmp_path / "app" / "e_deep.py", b"x = " + b"-" * 100_000 + b"1\n")
    _write(tmp_path / "app" / "f_services.py", ENV_READ.encode())
    return tmp_path


def test_check_reports_each_file_it_cannot_parse_and_goes_on(broken_tree: Path) -> None:
    result = _run(["-m", "flake8_backend_rules", "check", "--extend-select=BR010", "app", "missing.py"], broken_tree)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "app/a_syntax.py:1: cannot parse: invalid syntax"
    assert lines[1] == "app/b_nul.py:1: cannot parse: source code string cannot contain null bytes"
    assert lines[2] == "app/c_encoding.py:1: cannot parse: unknown encoding: klingon"
    assert lines[3].startswith("app/d_undecodable.py:2: cannot parse: (unicode error) 'utf-8' codec can't decode")
    assert lines[4] == "app/e_deep.py:1: cannot parse: nested too deeply for Python's parser"
    # the file after the broken ones is still checked
    assert lines[5].startswith("app/f_services.py:3:7: BR010 ")
    assert lines[6] == "missing.py:1: cannot read: No such file or directory"
    assert len(lines) == 7


def test_check_exits_zero_on_clean_files_only(tmp_path: Path) -> None:
    _write(tmp_path / "app" / "clean.py", b"from django.conf import settings\n\nKEY = settings.KEY\n")
    result = _run(["-m", "flake8_backend_rules", "check", "app"], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    _write(tmp_path / "app" / "broken.py", b"def f(:\n")
    result = _run(["-m", "flake8_backend_rules", "check", "app"], tmp_path)
    assert result.returncode == 1
    assert result.stdout == "app/broken.py:1: cannot parse: invalid syntax\n"


def test_output_into_a_reader_that_stops_early_ends_quietly(tmp_path: Path) -> None:
    for index in range(2000):
        _write(tmp_path / "app" / f"m{index:04}.py", ENV_READ.encode())
    process = subprocess.Popen(
        [sys.executable, "-m", "flake8_backend_rules", "check", "--extend-select=BR010", "app"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does once it has its line
    stderr = process.stderr.read().decode()
    process.wait(timeout=300)
    assert first.decode().startswith("app/m0000.py:3:7: BR010 ")
    assert stderr == ""
    assert process.returncode == 1


@pytest.mark.parametrize("option,value,message", [
    ("--backend-settings-modules", "[abc", "backend-settings-modules: malformed glob: '[abc' opens a '['"),
    ("--backend-settings-modules", "settings.py[", "backend-settings-modules: malformed glob: 'settings.py['"),
    ("--extend-backend-test-modules", "tests/[!x", "extend-backend-test-modules: malformed glob: 'tests/[!x'"),
    ("--backend-handler-modules", "", "backend-handler-modules: the list is empty"),
])
def test_flake8_names_the_option_of_a_bad_value(tmp_path: Path, option: str, value: str, message: str) -> None:
    _write(tmp_path / "app.py", ENV_READ.encode())
    result = _run(["-m", "flake8", "--isolated", "--select=BR010", f"{option}={value}", "app.py"], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("flake8-backend-rules: configuration error: " + message), result.stderr
    assert result.stdout == ""


def test_flake8_reads_the_bad_value_from_setup_cfg_too(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", ENV_READ.encode())
    _write(tmp_path / "setup.cfg", b"[flake8]\nbackend-settings-modules = config/*.py, settings.py[\n")
    result = _run(["-m", "flake8", "--select=BR010", "app.py"], tmp_path)
    assert result.returncode == 2
    assert "backend-settings-modules: malformed glob: 'settings.py['" in result.stderr
    assert "Traceback" not in result.stderr
    # a well-formed value is accepted and the finding reported
    _write(tmp_path / "setup.cfg", b"[flake8]\nbackend-settings-modules = config/*.py, [s]ettings.py\n")
    result = _run(["-m", "flake8", "--select=BR010", "app.py"], tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("app.py:3:7: BR010 ")


def test_pylint_names_the_option_of_a_bad_value(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", ENV_READ.encode())
    base = ["-m", "pylint", "--load-plugins=pylint_plugins.backend_rules", "--disable=all",
            "--enable=backend-rules", "--score=n"]
    result = _run([*base, "--settings-modules=[abc", "app.py"], tmp_path)
    assert result.returncode == 32  # pylint's usage error
    assert "backend-rules: configuration error: settings-modules: malformed glob: '[abc'" in result.stderr
    assert "Traceback" not in result.stderr
    result = _run([*base, "--settings-modules=", "app.py"], tmp_path)
    assert result.returncode == 32
    assert "settings-modules: the list is empty" in result.stderr
    result = _run([*base, "--settings-modules=conf/*.py", "app.py"], tmp_path)
    assert result.returncode == 4  # the warning's bit: the good value runs the rules
    assert "env-read-outside-settings" in result.stdout
