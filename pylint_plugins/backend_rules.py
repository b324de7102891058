"""pylint adapter: one raw-file checker whose messages and options come from the registry.

It parses the module with ``ast`` and runs the same engine as the flake8 plugin, so both
front ends report the same findings. It never imports Django or the analysed code.

Options are the flake8 names without the ``backend-`` prefix (``--settings-modules``,
``--extend-task-decorators``, ``--check-tests``, ``--baseline``...).
"""
from __future__ import annotations

import ast
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from pylint.checkers import BaseRawFileChecker

from flake8_backend_rules import baseline
from flake8_backend_rules.engine import Engine
from flake8_backend_rules.project import ProjectModels
from flake8_backend_rules.options import OPTION_SPECS, ConfigurationError, build_options
from flake8_backend_rules.registry import RULES

if TYPE_CHECKING:  # pragma: no cover
    from astroid import nodes
    from pylint.lint import PyLinter


def _messages() -> Dict[str, Tuple[str, str, str, Dict[str, Any]]]:
    msgs: Dict[str, Tuple[str, str, str, Dict[str, Any]]] = {}
    for rule in RULES.values():
        extra: Dict[str, Any] = {}
        if not rule.default_on:
            extra["default_enabled"] = False
        msgs[rule.pylint_id] = (f"{rule.code} %s", rule.symbol, f"{rule.summary}. {rule.what}", extra)
    return msgs


def _options() -> Tuple[Tuple[str, Dict[str, Any]], ...]:
    out: List[Tuple[str, Dict[str, Any]]] = []
    for spec in OPTION_SPECS:
        if spec.is_list:
            out.append((spec.pylint_name, {"default": tuple(spec.default), "type": "csv",  # type: ignore[arg-type]
                                           "metavar": "<globs>", "help": spec.help}))
            out.append(("extend-" + spec.pylint_name, {"default": (), "type": "csv", "metavar": "<globs>",
                                                       "help": f"Add to {spec.pylint_name} instead of replacing it."}))
        elif spec.is_flag:
            out.append((spec.pylint_name, {"default": False, "type": "yn", "metavar": "<y or n>",
                                           "help": spec.help}))
        else:
            out.append((spec.pylint_name, {"default": "", "type": "string", "metavar": "<path>",
                                           "help": spec.help}))
    out.append(("baseline", {"default": "", "type": "string", "metavar": "<file>",  # issue 17
                             "help": "Hide the findings recorded in this baseline file "
                                     "(python -m flake8_backend_rules baseline)."}))
    return tuple(out)


def _display_path(path: str) -> str:
    """Relative to the working directory when below it, as flake8 names files."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _load_baseline(path: str) -> "baseline.Baseline | None":
    """A baseline that cannot be read is a usage error: a message, status 32 as pylint's own."""
    if not path:
        return None
    try:
        return baseline.Baseline.load(path)
    except baseline.BaselineError as error:
        print(baseline.config_error(baseline.PYLINT_OPTION, error, "pylint"), file=sys.stderr)
        raise SystemExit(32) from None


class BackendRulesChecker(BaseRawFileChecker):
    name = "backend-rules"
    msgs = _messages()  # type: ignore[assignment]
    options = _options()

    def __init__(self, linter: "PyLinter") -> None:
        super().__init__(linter)
        self._engine: Engine | None = None
        self._stdin = False
        self._baseline: baseline.Baseline | None = None

    def open(self) -> None:
        config = self.linter.config
        raw: Dict[str, Any] = {}
        for spec in OPTION_SPECS:
            attr = spec.pylint_name.replace("-", "_")
            raw[spec.attr] = getattr(config, attr, None)
            raw["extend_" + spec.attr] = getattr(config, "extend_" + attr, None)
        enabled = [code for code, rule in RULES.items() if self.linter.is_message_enabled(rule.symbol)]
        try:
            options = build_options(raw, pylint_names=True)
        except ConfigurationError as error:
            # pylint's own exit status for a usage error; a message, never a traceback
            print(f"backend-rules: configuration error: {error}", file=sys.stderr)
            raise SystemExit(32) from None
        project = ProjectModels(options.cache_dir or None, use_cache=not options.no_cache)
        self._engine = Engine(enabled, options, project=project)
        self._stdin = bool(getattr(config, "from_stdin", False))
        self._baseline = _load_baseline(getattr(config, "baseline", ""))  # issue 17

    def process_module(self, node: "nodes.Module") -> None:
        if self._engine is None:
            self.open()
        assert self._engine is not None
        try:
            with node.stream() as stream:
                source = stream.read()
            tree = ast.parse(source, filename=node.file or "<module>")
        except (SyntaxError, ValueError, OSError, TypeError):
            return  # pylint reports syntax errors itself
        path = _display_path(node.file or node.name)
        findings = self._engine.run(tree, path, buffer=self._stdin, lines=baseline.source_lines(source))
        if self._baseline is not None and findings and self._baseline.covers(path):  # issue 17
            findings = self._baseline.filter(findings, path, baseline.source_lines(source))
        for finding in findings:
            rule = RULES[finding.code]
            text = finding.message[len(finding.code) + 1 :]
            self.add_message(rule.symbol, line=finding.line, col_offset=finding.col, args=(text,))


def register(linter: "PyLinter") -> None:
    linter.register_checker(BackendRulesChecker(linter))
