"""flake8 adapter: registers the options, reads them once, runs the engine per file."""
from __future__ import annotations

import argparse
import ast
import logging
from typing import Any, ClassVar, FrozenSet, Generator, Optional, Tuple, Type

from . import __version__
from .engine import Engine
from .options import DEFAULT_OPTIONS, OPTION_SPECS, Options, build_options
from .registry import DEFAULT_OFF, RULES

# Under "flake8." so `flake8 -vv` shows these records (it only handles its own tree).
LOG = logging.getLogger("flake8.backend_rules")


def _enabled_codes(options: argparse.Namespace) -> Optional[FrozenSet[str]]:
    """The rules flake8 would report, so the engine never runs a deselected one.

    Uses flake8's own decision engine; any surprise there means "run everything" and
    flake8 filters the output as usual."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        decider = DecisionEngine(options)
        selected = frozenset(
            code for code in RULES if decider.decision_for(code) is Decision.Selected
        )
        # -- opt-in rules (issue 4): flake8 lets an explicit `--select=BR` override the
        # default ignore of an opt-in rule; the rule must be named more precisely
        # (`--extend-select=BR034`, or its family `BR03`) to run, as RULES.md says.
        chosen = tuple(getattr(options, "select", None) or ()) + tuple(getattr(options, "extend_select", None) or ())
        return frozenset(
            code for code in selected
            if code not in DEFAULT_OFF or any(len(c) >= 4 and code.startswith(c) for c in chosen)
        )
        # -- end opt-in rules
    except Exception:
        LOG.debug("could not ask flake8 which codes are selected; running all", exc_info=True)
        return None


class BackendRulesPlugin:
    name = "flake8-backend-rules"
    version = __version__

    _options: ClassVar[Options] = DEFAULT_OPTIONS
    _codes: ClassVar[Optional[FrozenSet[str]]] = None
    _engine: ClassVar[Optional[Engine]] = None

    def __init__(self, tree: ast.AST, filename: str = "stdin") -> None:
        self.tree = tree
        self.filename = filename

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
            else:
                parser.add_option(
                    f"--{spec.name}",
                    action="store_true",
                    default=False,
                    parse_from_config=True,
                    help=spec.help,
                )
        if DEFAULT_OFF:
            parser.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        raw = {}
        for spec in OPTION_SPECS:
            raw[spec.attr] = getattr(options, spec.attr, None)
            raw["extend_" + spec.attr] = getattr(options, "extend_" + spec.attr, None)
        cls._options = build_options(raw)
        cls._codes = _enabled_codes(options)
        cls._engine = None

    @classmethod
    def engine(cls) -> Engine:
        if cls._engine is None:
            cls._engine = Engine(cls._codes, cls._options)
        return cls._engine

    def run(self) -> Generator[Tuple[int, int, str, Type["BackendRulesPlugin"]], None, None]:
        for finding in self.engine().run(self.tree, self.filename):
            yield finding.line, finding.col, finding.message, type(self)
