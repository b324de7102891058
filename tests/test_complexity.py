"""The complexity guard: work, not wall time, on generated hostile shapes.

Every analysis charges its binding look-ups and the nodes its walks visit to
``budget.WORK``. Here each shape of ``tests/hostile.py`` is checked at growing sizes and
the work per node of the module must stay flat: an analysis that re-resolves a chain or
re-walks a subtree per element shows up as work per node growing with the size. No timing
is asserted anywhere (``bench/scaling.py`` times the same shapes).

Two shapes have a cost that grows with the product of two counts in one function (every
guard against every later write; a text extended and executed after every step): for
those the guard is the budget itself, which must stop the analysis of the unit instead
of letting it run on.
"""
from __future__ import annotations

import ast
from typing import Callable, List, Tuple

import pytest

from flake8_backend_rules import budget
from flake8_backend_rules.budget import WORK
from flake8_backend_rules.engine import Engine
from flake8_backend_rules.options import DEFAULT_OPTIONS
from flake8_backend_rules.registry import RULES
from tests import hostile

PATH = "shop/views.py"
ALL_RULES = Engine(None, DEFAULT_OPTIONS)
# BR034 pairs every write with every later one in a function: quadratic by design, so the
# budget is its guard (test_quadratic_pairings_stop_at_the_budget); every other rule runs.
WITHOUT_WRITE_PAIRS = Engine([code for code in RULES if code != "BR034"], DEFAULT_OPTIONS)

# shape -> sizes; the largest sizes give modules of a few thousand lines
FLAT: List[Tuple[Callable[[int], str], Tuple[int, ...], Engine]] = [
    (hostile.rebinding_chain, (50, 200, 800), ALL_RULES),
    (hostile.rebinding_branches, (25, 100, 400), ALL_RULES),
    (hostile.elif_ladder, (25, 100, 400), ALL_RULES),
    (hostile.distinct_names, (50, 200, 800), ALL_RULES),
    (hostile.loop_nest, (10, 40, 90), ALL_RULES),  # Python refuses 100 levels of indentation
    (hostile.loop_sequence, (25, 100, 400), WITHOUT_WRITE_PAIRS),  # BR002, BR005 per loop
    (hostile.tuple_swaps, (50, 200, 800), ALL_RULES),
    (hostile.method_chain, (60, 250, 1000), ALL_RULES),
    (hostile.nested_handlers, (10, 40, 90), ALL_RULES),
    (hostile.string_doubling, (50, 200, 800), ALL_RULES),
    (hostile.many_functions, (25, 100, 400), ALL_RULES),
    (hostile.many_properties, (50, 200, 800), ALL_RULES),
]


def _run(engine: Engine, source: str) -> Tuple[float, int, int]:
    """(work per node, findings, units given up) for one module."""
    tree = ast.parse(source)
    nodes = sum(1 for _ in ast.walk(tree))
    findings = engine.run(tree, PATH)
    return WORK.total / nodes, len(findings), len(WORK.abandoned)


@pytest.mark.parametrize("shape,sizes,engine", FLAT, ids=[shape.__name__ for shape, _, _ in FLAT])
def test_work_per_node_stays_flat_as_the_shape_grows(shape, sizes, engine) -> None:
    ratios = []
    for size in sizes:
        ratio, findings, abandoned = _run(engine, shape(size))
        assert abandoned == 0, f"{shape.__name__}({size}) gave up: its analyses are not linear"
        assert findings > 0, f"{shape.__name__}({size}) reports nothing: the shapes must exercise the rules"
        ratios.append(ratio)
    # a linear analysis keeps the ratio (up to small constant terms); a quadratic one
    # multiplies it by the size factor (4x per step here)
    assert ratios[-1] <= ratios[0] * 1.25 + 1.0, f"{shape.__name__}: work per node {ratios}"


def test_the_reported_hang_is_linear_and_still_reports() -> None:
    """The issue's view: optional filters under twelve branches, then writes. It hung."""
    ratio, findings, abandoned = _run(ALL_RULES, hostile.rebinding_branches(12))
    assert abandoned == 0
    codes = {f.code for f in ALL_RULES.run(ast.parse(hostile.rebinding_branches(12)), PATH)}
    # the check then create on the narrowed queryset, the lock taken outside atomic(),
    # a save per locked row
    assert {"BR031", "BR033", "BR005"} <= codes, codes
    assert ratio < 10


@pytest.mark.parametrize("shape,size", [(hostile.guards_and_writes, 400), (hostile.rebinding_used, 600),
                                        (hostile.loop_sequence, 800)])
def test_quadratic_pairings_stop_at_the_budget(shape, size) -> None:
    """Pairings that grow with the product of two counts end at the unit's budget: the
    unit is given up (no finding from it) and the work stays within the allowance."""
    source = shape(size)
    tree = ast.parse(source)
    lines = len(source.splitlines())
    nodes = sum(1 for _ in ast.walk(tree))
    findings = ALL_RULES.run(tree, PATH)
    assert WORK.abandoned, f"{shape.__name__}({size}) ran to the end"
    assert not findings or all(f.line < min(first for first, _ in WORK.abandoned.values()) for f in findings)
    allowance = 2 * budget.BASE + max(budget.PER_LINE * lines, budget.PER_NODE * nodes)
    assert WORK.total <= allowance * 1.1, (WORK.total, allowance)


def test_a_small_module_is_never_given_up() -> None:
    findings = ALL_RULES.run(ast.parse(hostile.guards_and_writes(20)), PATH)
    assert not WORK.abandoned
    assert sum(1 for f in findings if f.code == "BR032") == 20


def test_a_unit_given_up_drops_only_its_own_findings() -> None:
    """The function past its budget reports nothing; the function after it reports."""
    heavy = hostile.guards_and_writes(400)
    source = heavy + "\n\ndef other(request):\n    import os\n    return os.getenv('X')\n"
    findings = ALL_RULES.run(ast.parse(source), PATH)
    assert WORK.abandoned
    assert [f.code for f in findings] == ["BR010"]
