"""``python -m flake8_backend_rules check``: flake8 itself, with only this plugin's checks.

``check`` runs flake8's own application, so it reads the same configuration (``[flake8]``
in ``setup.cfg``, ``tox.ini`` or ``.flake8``, ``--config``, ``--isolated``), takes the same
options (``--select``, ``--extend-select``, ``--ignore``, ``--per-file-ignores``,
``--exclude``, ``--format``, ``--statistics``, ``--output-file``, stdin as ``-`` with
``--stdin-display-name``, every ``--backend-*`` option including ``--backend-baseline``),
honours ``# noqa`` the same way and selects rules by the same policy (opt-in rules only
when a select entry names them): one implementation, so the two cannot drift apart.

What it changes:

* only the BR checks run (pycodestyle, pyflakes and other plugins are not loaded), and
  only BR findings are reported, whatever the selection lets through;
* a file Python itself cannot read or parse is reported as ``path:line: cannot parse: why``
  (``cannot read: why``), whatever the selection or ``--exit-zero`` says, and the exit
  status is then non-zero. flake8 would report some of these as ``E999``, check others as
  latin-1 text (an unknown encoding) and stop with a traceback on nesting deeper than the
  parser allows. So each file is read and parsed here first (in the parent process, before
  flake8's workers start), and only the ones that parse go on to flake8.

In the text formats (default, ``pylint``, a format string) the cannot-parse line is printed
as is; the CI formats (``sarif``, ``github``, ``gitlab``) get it as an ``E902`` (unreadable)
or ``E999`` (unparsable) finding, so a CI report shows the file too.
"""
from __future__ import annotations

import ast
import operator
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

from flake8 import checker, utils
from flake8.formatting.default import SimpleFormatter
from flake8.main.application import Application
from flake8.violation import Violation

from .registry import RULES

# flake8's own codes for a file it could not read (E902) or parse (E999)
UNREADABLE, UNPARSABLE = "E902", "E999"
Problem = Tuple[int, str]  # (line, "cannot parse: why")


def parse_source(source: "bytes | str", filename: str) -> Optional[Problem]:
    """None when Python can parse the source, else where and why it cannot: a syntax error,
    an unknown or wrong encoding, NUL bytes, nesting deeper than the parser allows."""
    try:
        with warnings.catch_warnings():  # flake8's own parse warns, if warnings are shown
            warnings.simplefilter("ignore")
            ast.parse(source, filename=filename)
    except SyntaxError as error:
        return error.lineno or 1, f"cannot parse: {error.msg}"
    except ValueError as error:  # NUL bytes (3.11), a bad encoding (UnicodeDecodeError)
        return 1, f"cannot parse: {error}"
    except (RecursionError, MemoryError):
        return 1, "cannot parse: nested too deeply for Python's parser"
    return None


def file_problem(filename: str) -> Optional[Problem]:
    """None when the file (``-``: standard input) can be read and parsed."""
    try:
        if filename == "-":
            # flake8 caches what it read, so its checkers see the same buffer
            return parse_source(utils.stdin_get_value(), "<stdin>")
        with open(filename, "rb") as handle:
            source = handle.read()
    except OSError as error:
        return 1, f"cannot read: {error.strerror or error}"
    except ValueError as error:  # stdin that is not text
        return 1, f"cannot read: {error}"
    return parse_source(source, filename)


def only_this_plugin(checkers: Any) -> Any:
    """flake8's checker plugins, with this package's alone kept."""
    from .plugin import BackendRulesPlugin

    return checkers._replace(
        tree=[loaded for loaded in checkers.tree if loaded.obj is BackendRulesPlugin],
        logical_line=[],
        physical_line=[],
    )


class CheckManager(checker.Manager):
    """flake8's file manager, which sets aside the files Python cannot parse and reports
    only BR findings."""

    filenames: Tuple[str, ...]
    jobs: int

    def start(self) -> None:
        super().start()
        self.problems: Dict[str, Problem] = {}
        readable: List[str] = []
        for filename in self.filenames:
            problem = file_problem(filename)
            if problem is None:
                readable.append(filename)
            else:
                self.problems[self._display_name(filename)] = problem
        self.filenames = tuple(readable)
        self.jobs = min(len(self.filenames), self.jobs)

    def _display_name(self, filename: str) -> str:
        if filename == "-":
            return str(self.options.stdin_display_name or "stdin")
        return filename

    def report(self) -> Tuple[int, int]:
        """flake8's report, file by file in name order; a file that could not be parsed is
        reported in its place."""
        found = reported = 0
        files: List[Tuple[str, Optional[list]]] = [(name, results) for name, results, _ in self.results]
        files.extend((name, None) for name in self.problems)
        files.sort(key=operator.itemgetter(0))
        for name, results in files:
            if results is None:
                self._cannot_parse(name, *self.problems[name])
                continue
            ours = []
            for result in results:
                code, line = result[0], result[1]
                if code in (UNREADABLE, UNPARSABLE):  # flake8 failed where Python did not
                    self.problems[name] = (max(1, line), f"cannot parse: {result[3]}")
                    self._cannot_parse(name, *self.problems[name])
                elif code in RULES:
                    ours.append(result)
            ours.sort(key=operator.itemgetter(1, 2))
            with self.style_guide.processing_file(name):
                reported += self._handle_results(name, ours)
            found += len(ours)
        return found, reported

    def _cannot_parse(self, name: str, line: int, why: str) -> None:
        formatter = self.style_guide.formatter
        if isinstance(formatter, SimpleFormatter):  # default, pylint, quiet-filename, a format string
            formatter.write(f"{name}:{line}: {why}", None)
        else:  # CI documents and annotations: a finding they can place
            code = UNREADABLE if why.startswith("cannot read") else UNPARSABLE
            formatter.handle(Violation(code, name, line, 1, why, None))


class CheckApplication(Application):
    """flake8's application, running this plugin's checks alone."""

    plugins: Any

    def make_file_checker_manager(self, *args: Any) -> None:
        assert self.plugins is not None and self.guide is not None
        self.plugins = self.plugins._replace(checkers=only_this_plugin(self.plugins.checkers))
        if not self.plugins.checkers.tree:
            raise SystemExit(
                "python -m flake8_backend_rules check: flake8 does not find the flake8-backend-rules "
                "plugin; install the package (pip install flake8-backend-rules, or pip install -e . "
                "in its repository)"
            )
        # flake8 >= 6 passes argv on, for workers that parse the options again
        extra: Dict[str, Any] = {"argv": args[0]} if args else {}
        self.file_checker_manager = CheckManager(style_guide=self.guide, plugins=self.plugins.checkers, **extra)

    @property
    def cannot_parse(self) -> int:
        manager = self.file_checker_manager
        return len(getattr(manager, "problems", ()))

    def exit_code(self) -> int:
        if self.cannot_parse:
            return 1
        return super().exit_code()


def run(argv: Sequence[str]) -> int:
    app = CheckApplication()
    app.run(list(argv))
    return app.exit_code()
