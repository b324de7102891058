"""Generated hostile shapes for the complexity guard (tests/test_complexity.py) and the
scaling benchmark (bench/scaling.py): code no one writes by hand, but tools generate and
users feed us, where an analysis that re-walks or re-resolves grows faster than the code.

Each generator takes a size ``n`` and returns the module's source. The module is a
Django view module (``shop/views.py`` is the path the rules see), so every rule family has
something to look at: handlers, querysets, locks, writes, strings, paths."""
from __future__ import annotations

from typing import Callable, Dict, List

HEADER = [
    "import os, subprocess, requests",
    "from pathlib import Path",
    "from django.db import connection, transaction",
    "from django.utils.safestring import mark_safe",
    "from django.core.mail import send_mail",
    "from django.http import JsonResponse",
    "from shop.models import Order, Product",
    "",
]


def _module(lines: List[str]) -> str:
    return "\n".join(HEADER + lines) + "\n"


def rebinding_chain(n: int) -> str:
    """`qs = qs.filter(...)` n times, then a lock, writes and checks on it."""
    lines = ["def view(request):", "    qs = Order.objects.all()"]
    lines += [f"    qs = qs.filter(f{i}=1)" for i in range(n)]
    lines += ["    for o in qs.select_for_update():", "        o.total += 1", "        o.save()",
              "    if not qs.exists():", "        Order.objects.create(x=1)", "    return len(qs)"]
    return _module(lines)


def rebinding_branches(n: int) -> str:
    """The reported hang: optional filters under `if request.GET.get(...)`, then writes."""
    lines = ["def view(request):", "    qs = Order.objects.all()"]
    for i in range(n):
        lines += [f"    if request.GET.get('f{i}'):", f"        qs = qs.filter(f{i}=request.GET['f{i}'])"]
    lines += ["    locked = qs.select_for_update()", "    for o in locked:", "        if o.stock < 1:",
              "            return None", "        o.stock -= 1", "        o.save()",
              "    if not qs.exists():", "        Order.objects.create(x=1)", "    return len(qs)"]
    return _module(lines)


def rebinding_used(n: int) -> str:
    """Every rebinding read right after it: each read resolves the chain so far."""
    lines = ["def view(request):", "    qs = Order.objects.all()", "    sql = 'select 1'"]
    for i in range(n):
        lines += [f"    qs = qs.filter(f{i}=1).prefetch_related('r{i}')", "    if qs:",
                  "        for o in qs:", f"            o.r{i}.filter(x=1).first()",
                  f"    sql += ' and f{i} = %s' % request.GET['f{i}']", "    connection.cursor().execute(sql)"]
    return _module(lines)


def elif_ladder(n: int) -> str:
    """An elif ladder whose every branch rebinds a queryset and a SQL text."""
    lines = ["def view(request):", "    qs = Order.objects.all()", "    sql = 'select 1'",
             "    mode = request.GET.get('m')"]
    for i in range(n):
        keyword = "if" if i == 0 else "elif"
        lines += [f"    {keyword} mode == '{i}':", f"        qs = qs.filter(a={i}).exclude(b=mode)",
                  "        sql = sql + ' and x = %s' % mode"]
    lines += ["    with connection.cursor() as cur:", "        cur.execute(sql)", "    for o in qs:",
              "        o.save()", "    return mark_safe(sql)"]
    return _module(lines)


def distinct_names(n: int) -> str:
    """A chain through n distinct locals: q1 = q0.filter(), q2 = q1.filter()..."""
    lines = ["def view(request):", "    q0 = Order.objects.all()"]
    lines += [f"    q{i + 1} = q{i}.filter(f={i})" for i in range(n)]
    lines += [f"    for o in q{n}.select_for_update():", "        o.save()", f"    return q{n}.exists()"]
    return _module(lines)


def loop_nest(n: int) -> str:
    """Loops nested n deep, each over a query on the outer row, with per-row queries."""
    lines = ["def view(request):"]
    indent = "    "
    for i in range(n):
        source = f"x{i - 1}.id" if i else "1"
        lines.append(f"{indent}for x{i} in Order.objects.filter(a={source}):")
        indent += "    "
    lines += [f"{indent}x{n - 1}.lines.filter(b=1).first()", f"{indent}x{n - 1}.save()",
              f"{indent}os.path.exists(x0.path)"]
    return _module(lines)


def loop_sequence(n: int) -> str:
    """n loops one after another in one function, each over a query with writes."""
    lines = ["def view(request):", "    qs = Order.objects.prefetch_related('lines')"]
    for i in range(n):
        lines += [f"    for o{i} in qs:", f"        o{i}.lines.filter(x={i}).count()", f"        o{i}.save()"]
    return _module(lines)


def tuple_swaps(n: int) -> str:
    """`a, b = b, a` n times."""
    lines = ["def view(request):", "    a = Order.objects.all()", "    b = Product.objects.all()"]
    lines += ["    a, b = b, a" for _ in range(n)]
    lines += ["    for o in a.select_for_update():", "        o.save()", "    return len(b)"]
    return _module(lines)


def method_chain(n: int) -> str:
    """One statement: a method chain n links long, assigned, iterated and counted."""
    chain = "Order.objects" + "".join(f".filter(f{i}=1)" for i in range(n))
    lines = ["def view(request):", "    qs = " + chain, "    for o in qs:", "        o.lines.all().first()",
             "        o.save()", "    return " + chain + ".count()"]
    return _module(lines)


def guards_and_writes(n: int) -> str:
    """n fetched rows, each guarded then written: the BR03x pairings."""
    lines = ["def view(request, pk):"]
    for i in range(n):
        lines += [f"    o{i} = Order.objects.get(pk=pk + {i})", f"    if o{i}.status != 'open':",
                  "        return None", f"    o{i}.total += 1", f"    o{i}.status = 'seen'", f"    o{i}.save()",
                  f"    if not Order.objects.filter(ref={i}).exists():", f"        Order.objects.create(ref={i})"]
    return _module(lines)


def nested_handlers(n: int) -> str:
    """try/except nested n deep, each handler broad and logging nothing."""
    lines = ["def view(request):"]
    indent = "    "
    for i in range(n):
        lines += [f"{indent}try:", f"{indent}    x{i} = Order.objects.get(pk={i})"]
        indent += "    "
    for i in reversed(range(n)):
        indent = indent[:-4]
        lines += [f"{indent}except Exception as e{i}:", f"{indent}    return JsonResponse({{'error': str(e{i})}})"]
    return _module(lines)


def string_doubling(n: int) -> str:
    """Each text built from the previous one twice: s1 = s0 + s0 ..."""
    lines = ["def view(request):", "    s0 = request.GET['q']"]
    lines += [f"    s{i + 1} = s{i} + ' and ' + s{i}" for i in range(n)]
    lines += [f"    connection.cursor().execute('select ' + s{n})", f"    return mark_safe(s{n})"]
    return _module(lines)


def many_functions(n: int) -> str:
    """n small handlers: the cost per function must not depend on how many there are."""
    lines: List[str] = []
    for i in range(n):
        lines += [f"def f{i}(request, pk):", "    o = Order.objects.get(pk=pk)", "    if o.status != 'x':",
                  "        return None", "    o.total += 1", "    o.save()", ""]
    return _module(lines)


def many_properties(n: int) -> str:
    """A model whose n properties each read the previous one (BR001's transitive case)."""
    lines = ["class Basket:", "    @property", "    def p0(self):", "        return self.items.count()"]
    for i in range(1, n):
        lines += ["    @property", f"    def p{i}(self):", f"        return self.p{i - 1} + 1"]
    return _module(lines)


SHAPES: Dict[str, Callable[[int], str]] = {
    fn.__name__: fn
    for fn in (rebinding_chain, rebinding_branches, rebinding_used, elif_ladder, distinct_names, loop_nest,
               loop_sequence, tuple_swaps, method_chain, guards_and_writes, nested_handlers, string_doubling,
               many_functions, many_properties)
}
