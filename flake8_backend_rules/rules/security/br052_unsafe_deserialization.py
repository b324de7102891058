"""BR052 unsafe-deserialization: pickle, marshal, dill, jsonpickle or YAML's full loader
on bytes the process did not write itself."""
from __future__ import annotations

import ast
from typing import List, Optional

from ...astutil import call_name, iter_nodes, short_source
from ...context import Context
from .. import Rule, check

RULE = Rule(
    code="BR052",
    symbol="unsafe-deserialization",
    summary="Data is deserialized with a loader that can run code",
    default_on=False,
    precision="Off by default. Read blind on four unseen projects: 1 of 11 findings true. The bytes "
    "were HMAC-verified first, came through Django's cache API (which unpickles anyway), "
    "were model artefacts the operator installs, or sat in migrations and offline "
    "scripts. Verdicts: docs/evaluation/2026-12-04-blind-round3-br050-br053.md.",
    message="`{expr}` can run arbitrary code while loading; use JSON, or "
    "`yaml.safe_load`, for data that may not be yours",
    what="Finds `pickle.load(s)` (also `cPickle`, `_pickle`, `dill`, `cloudpickle`, "
    "`pickle.Unpickler`), `marshal.load(s)`, `jsonpickle.decode`, `yaml.unsafe_load` "
    "and `yaml.load(...)`/`yaml.load_all(...)` without `Loader=SafeLoader`/"
    "`CSafeLoader` (or `BaseLoader`), resolved through imports.",
    why="Unpickling (and YAML's full loader) constructs arbitrary objects: bytes an "
    "attacker can write, in a cache, a cookie, an upload or a queue, become code run "
    "by your process.",
    bad="""
        import yaml


        def load_rules(upload):
            return yaml.load(upload.read())
        """,
    good="""
        import yaml


        def load_rules(upload):
            return yaml.safe_load(upload.read())
        """,
    equivalents=("S301", "S302", "S506", "B301", "B302", "B506"),
    notes="Bytes the process pickled itself are silent: a round trip "
    "(`pickle.loads(pickle.dumps(obj))`, a picklability check) and the object's own "
    "memory (`pickle.loads(self._cache[key])`, directly or through a local), which "
    "nobody outside the process can write. Caches in a database, files or Redis are "
    "not: whoever can write there runs code in every reader. "
    "A loader expression naming `SafeLoader`/`CSafeLoader` (`Loader=getattr(yaml, "
    "\"CSafeLoader\", yaml.SafeLoader)`) is safe. `yaml.FullLoader` is not: it has "
    "had code-execution bypasses. Bytes the process wrote itself are silent too: read "
    "from a child's pipe (`subprocess.Popen(...).stdout`, a `multiprocessing` pipe or "
    "queue) or from a file in its own temporary directory (`tempfile.mkdtemp()`, "
    "`TemporaryDirectory()`), directly or through locals of the function.",
)

_UNSAFE_LOADERS = frozenset(
    f"{module}.{fn}"
    for module in ("pickle", "cPickle", "_pickle", "dill", "marshal", "cloudpickle")
    for fn in ("load", "loads")
) | {"jsonpickle.decode", "yaml.unsafe_load", "yaml.unsafe_load_all", "pickle.Unpickler"}
_YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_LOADER_CALL_NAMES = frozenset({"load", "loads", "decode", "unsafe_load", "unsafe_load_all", "load_all", "Unpickler"})
_SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")


def _yaml_loader_is_safe(node: ast.Call) -> bool:
    loader: Optional[ast.AST] = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "Loader":
            loader = kw.value
    if loader is None:
        return False
    for sub in iter_nodes(loader):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if name and name.endswith(_SAFE_YAML_LOADERS):
            return True
    return False


def _is_own_bytes(arg: ast.AST, call: ast.Call, ctx: Context) -> bool:
    """Bytes this process pickled itself: a round trip (`pickle.loads(pickle.dumps(x))`,
    a picklability check) or the object's own memory (`self._cache[key]`, directly or
    through a local), which nobody outside the process can write."""
    if isinstance(arg, ast.Name):
        if ctx.bindings().count_before(arg.id, call) != 1:
            return False
        arg = ctx.bindings().last_before(arg.id, call)  # type: ignore[assignment]
    if isinstance(arg, ast.Call):
        name = arg.func.attr if isinstance(arg.func, ast.Attribute) else None
        return name in ("dumps", "dump") and (ctx.resolve(arg.func) or "").endswith(("pickle.dumps", "dill.dumps"))
    while isinstance(arg, (ast.Subscript, ast.Attribute)):
        arg = arg.value
    return isinstance(arg, ast.Name) and arg.id == "self"


# Modules whose objects carry bytes between this process and the ones it starts, or
# hold files only it can name: a child's pipe, a queue, its own temporary directory.
_OWN_CHANNEL_MODULES = ("subprocess.", "multiprocessing.", "tempfile.", "concurrent.futures.")


def _from_own_channel(arg: ast.AST, call: ast.Call, ctx: Context) -> bool:
    """Bytes read from a channel the process opened itself: a child's pipe
    (`proc.stdout.read()` of a `subprocess.Popen`, a `multiprocessing.Pipe()` end) or a
    file in its own temporary directory (`open(os.path.join(tempfile.mkdtemp(), ...))`),
    directly or through a few locals of the function."""
    pending = [arg]
    seen = set()
    for _ in range(12):
        if not pending:
            return False
        expr = pending.pop()
        for sub in iter_nodes(expr, into_scopes=False):
            if isinstance(sub, ast.Call) and (ctx.resolve(sub.func) or "").startswith(_OWN_CHANNEL_MODULES):
                return True
            if isinstance(sub, ast.Name) and sub.id not in seen:
                seen.add(sub.id)
                bound = [value for _, value in ctx.bindings().get(sub.id, ())]
                pending.extend(bound or _unpacked_into(sub.id, ctx))
    return False


def _unpacked_into(name: str, ctx: Context) -> List[ast.AST]:
    """The values unpacked into ``name`` in the function (`parent, child = Pipe()`)."""
    frame = ctx.function_frame()
    if frame is None:
        return []
    return [
        node.value for node in iter_nodes(frame.node, into_scopes=False)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, (ast.Tuple, ast.List)) and any(isinstance(e, ast.Name) and e.id == name for e in t.elts)
            for t in node.targets
        )
    ]


@check(RULE, ast.Call, callees=_LOADER_CALL_NAMES)
def unsafe_deserialization(node: ast.Call, ctx: Context) -> None:
    """pickle/marshal/dill/jsonpickle loads and `yaml.load` without a safe Loader: loading
    untrusted bytes runs attacker-chosen code."""
    func = node.func
    name = call_name(node)
    if name not in _LOADER_CALL_NAMES:
        return
    resolved = ctx.resolve(func)
    if resolved in _UNSAFE_LOADERS:
        if node.args and (_is_own_bytes(node.args[0], node, ctx) or _from_own_channel(node.args[0], node, ctx)):
            return
        ctx.report(RULE, node, expr=short_source(node, 50))
    elif resolved in _YAML_LOADS and not _yaml_loader_is_safe(node):
        ctx.report(RULE, node, expr=short_source(node, 50))
