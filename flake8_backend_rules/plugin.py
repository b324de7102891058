"""flake8 adapter: registers the options, reads them once, runs the engine per file."""
from __future__ import annotations

import argparse
import ast
import logging
import sys
from typing import Any, ClassVar, FrozenSet, Generator, List, Optional, Tuple, Type

from . import __version__, baseline
from .engine import Engine
from .project import ProjectModels
from .options import DEFAULT_OPTIONS, OPTION_SPECS, ConfigurationError, Options, build_options
from .registry import DEFAULT_OFF, RULES, opt_in_named

# Under "flake8." so `flake8 -vv` shows these records (it only handles its own tree).
LOG = logging.getLogger("flake8.backend_rules")


def _enabled_codes(options: argparse.Namespace) -> FrozenSet[str]:
    """The rules flake8 would report, so the engine never runs a deselected one.

    Uses flake8's own decision engine for every rule, and the registry's policy for the
    opt-in ones on top; any surprise in flake8's engine means "every rule the policy
    lets run" and flake8 filters the output as usual."""
    named = _select_entries(options)
    runnable = [code for code in RULES if code not in DEFAULT_OFF or opt_in_named(code, named)]
    try:
        from flake8.style_guide import Decision, DecisionEngine

        decider = DecisionEngine(options)
        return frozenset(code for code in runnable if decider.decision_for(code) is Decision.Selected)
    except Exception:
        LOG.debug("could not ask flake8 which codes are selected; running all", exc_info=True)
        return frozenset(runnable)


def _select_entries(options: argparse.Namespace) -> List[str]:
    """``--select`` and ``--extend-select``: flake8 lets an explicit ``--select=BR`` override
    the default ignore of opt-in rules, so the registry's policy decides those (issue 7)."""
    return [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]


# -- --statistics (issue 17) -----------------------------------------------------------
# flake8 prints, per code, the text of the code's first finding (flake8.statistics keeps
# it when it records the code's first violation in a file). A BR message describes one
# finding (`os.getenv('KEY')` ...), so the line would describe one finding, not the rule.
# flake8 has no hook for this, and every formatter (the default one too) prints
# `Statistic.message`; so when --statistics is on, the record of a BR code gets the rule's
# symbol and summary instead. Other codes keep flake8's behaviour, and a flake8 whose
# statistics look different is left alone (then the first message shows, as before).
def statistics_text(code: str) -> Optional[str]:
    """What ``--statistics`` prints after the count and the code: symbol and summary."""
    rule = RULES.get(code)
    return None if rule is None else f"{rule.symbol} {rule.summary}"


def _name_rules_in_statistics() -> None:
    try:
        from flake8.statistics import Statistic

        original = Statistic.__dict__.get("create_from")
        if not isinstance(original, classmethod) or getattr(original.__func__, "backend_rules", False):
            return
        create = original.__func__

        def create_from(cls: Any, error: Any) -> Any:
            statistic = create(cls, error)
            text = statistics_text(getattr(statistic, "error_code", ""))
            if text is not None and hasattr(statistic, "message"):
                statistic.message = text
            return statistic

        create_from.backend_rules = True  # type: ignore[attr-defined]
        Statistic.create_from = classmethod(create_from)  # type: ignore[method-assign,assignment]
    except Exception:
        LOG.debug("flake8's statistics are not as expected; they keep the first message", exc_info=True)
# -- end --statistics ------------------------------------------------------------------


class BackendRulesPlugin:
    name = "flake8-backend-rules"
    version = __version__

    _options: ClassVar[Options] = DEFAULT_OPTIONS
    _codes: ClassVar[Optional[FrozenSet[str]]] = None
    _engine: ClassVar[Optional[Engine]] = None
    _stdin: ClassVar[bool] = False
    _baseline: ClassVar[Optional[baseline.Baseline]] = None  # issue 17: --backend-baseline

    def __init__(self, tree: ast.AST, filename: str = "stdin", lines: Optional[List[str]] = None) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines  # flake8's own list of the file's lines; read only for a baseline

    @classmethod
    def add_options(cls, parser: Any) -> None:
        for spec in OPTION_SPECS:
            if spec.is_list:
                parser.add_option(
                    f"--{spec.name}",
                    default=None,
                    comma_separated_list=True,
                    parse_from_config=True,
                    help=f"{spec.help} (default: {', '.join(spec.default) or 'none'})",  # type: ignore[arg-type]
                )
                parser.add_option(
                    f"--extend-{spec.name}",
                    default=None,
                    comma_separated_list=True,
                    parse_from_config=True,
                    help=f"Add to --{spec.name} instead of replacing it.",
                )
            elif spec.is_flag:
                parser.add_option(
                    f"--{spec.name}",
                    action="store_true",
                    default=False,
                    parse_from_config=True,
                    help=spec.help,
                )
            else:
                parser.add_option(f"--{spec.name}", default=None, parse_from_config=True, help=spec.help)
        baseline.add_flake8_option(parser)  # issue 17
        if DEFAULT_OFF:
            parser.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        raw = {}
        for spec in OPTION_SPECS:
            raw[spec.attr] = getattr(options, spec.attr, None)
            raw["extend_" + spec.attr] = getattr(options, "extend_" + spec.attr, None)
        try:
            cls._options = build_options(raw)
        except ConfigurationError as error:
            # flake8 prints its own option errors and exits; do the same, never a traceback
            print(f"flake8-backend-rules: configuration error: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        cls._codes = _enabled_codes(options)
        if getattr(options, "statistics", False):
            _name_rules_in_statistics()
        cls._engine = None
        # an editor's unsaved buffer comes on stdin: its summary replaces the file's
        cls._stdin = list(getattr(options, "filenames", None) or ()) == ["-"]
        cls._baseline = baseline.for_flake8(options)  # issue 17
        if not cls._stdin:
            # index the projects here, in flake8's parent process: its workers are forked
            # after this and inherit the index instead of each building it again
            project = cls.engine().project
            if project is not None:
                project.prepare([str(name) for name in getattr(options, "filenames", None) or ()])

    @classmethod
    def engine(cls) -> Engine:
        if cls._engine is None:
            project = ProjectModels(cls._options.cache_dir or None, use_cache=not cls._options.no_cache)
            cls._engine = Engine(cls._codes, cls._options, project=project)
        return cls._engine

    def run(self) -> Generator[Tuple[int, int, str, Type["BackendRulesPlugin"]], None, None]:
        findings = self.engine().run(self.tree, self.filename, buffer=self._stdin)
        if self._baseline is not None:  # issue 17
            findings = self._baseline.filter(findings, self.filename, self.lines)
        for finding in findings:
            yield finding.line, finding.col, finding.message, type(self)
