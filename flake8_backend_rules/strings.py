"""What a string is built from, and which names hold secrets (BR012, BR050, BR053, BR054).

Two shared vocabularies live here so the rules that need them agree:

* **String flow.** :class:`StringFlow` answers "is this text built by formatting (an
  f-string, ``%``, ``.format()``, ``+``) with a part that is neither a literal nor a
  module-level constant?", following the locals of one function (``sql = f"..."``,
  ``sql += ...``). It is computed once per scope through ``ctx.frame_fact`` and shared by
  the SQL rule (BR050) and the ``mark_safe`` rule (BR054), each with its own list of calls
  whose result is safe to format in (``quote_name(...)`` for SQL identifiers,
  ``escape(...)`` for HTML).
* **Secret-like names.** :func:`secret_word` is the one definition of a name that holds a
  secret, used for the names a literal is bound to (BR012) and for the values handed to a
  logging call (BR053). A name qualifies when its *last* word is the secret
  (``jwt_token``, ``user.password``, ``STRIPE_SECRET_KEY``, ``apiKey``), so names that
  qualify the word (``token_count``, ``password_changed_at``, ``max_tokens``,
  ``reset_token_sent``) and flags (``has_password``, ``is_secret``) do not.

Nothing here recurses on tree depth without a bound: name following stops after
``_MAX_DEPTH`` hops.
"""
from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Optional, Tuple

from .astutil import iter_nodes, string_value

if TYPE_CHECKING:  # pragma: no cover
    from .context import Context

# -- secret-like names -------------------------------------------------------------

# Credentials: what a literal must not be bound to, and what a log must not show.
_CREDENTIAL_WORDS = frozenset({"password", "passwd", "secret", "token", "apikey"})
_CREDENTIAL_PAIRS = frozenset({"secret_key", "api_key", "private_key", "access_key"})
# Personal data: nobody hard-codes it, but it must not reach a log either (BR053).
_PERSONAL_WORDS = frozenset({"authorization", "cvv", "ssn"})
_PERSONAL_PAIRS = frozenset({"card_number"})
# A first word that makes the name a flag or a count about the secret, not the secret.
_FLAG_PREFIXES = frozenset(
    {"is", "has", "have", "use", "uses", "require", "requires", "needs", "show", "no",
     "allow", "enable", "enabled", "should", "num", "len", "count", "max", "min"}
)
# Tokens that are not credentials: pagination cursors and the like.
_HARMLESS_TOKEN_QUALIFIERS = frozenset({"page", "next", "continuation", "sync", "pagination", "cursor"})

_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")  # `_`, and `-`/`.` in header and dict keys


def name_words(name: str) -> List[str]:
    """``STRIPE_SECRET_KEY`` -> [stripe, secret, key]; ``accessToken`` -> [access, token];
    ``X-Api-Key`` -> [x, api, key]."""
    spaced = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return [word for word in _SEPARATORS.split(spaced.lower()) if word]


def secret_word(name: str, personal: bool = False) -> Optional[str]:
    """The secret a name holds (``password``, ``api_key``...), or None.

    Only the name's last word (or last two, for ``secret_key``-style pairs) counts, so a
    name that qualifies the word holds something else. With ``personal``, personal data
    (``cvv``, ``ssn``, ``card_number``, an ``authorization`` header) counts too."""
    words = name_words(name)
    if not words:
        return None
    if len(words) > 1 and words[0] in _FLAG_PREFIXES:
        return None
    last = words[-1]
    if len(words) > 1:
        pair = f"{words[-2]}_{last}"
        if pair in _CREDENTIAL_PAIRS or (personal and pair in _PERSONAL_PAIRS):
            return pair
        if last == "token" and words[-2] in _HARMLESS_TOKEN_QUALIFIERS:
            return None
    if last in _CREDENTIAL_WORDS or (personal and last in _PERSONAL_WORDS):
        return last
    if last.endswith("apikey"):
        return "apikey"
    return None


def bound_name(node: ast.AST) -> Optional[str]:
    """The name a target or a value reads as: ``x``, ``obj.attr`` -> ``attr``, a string
    subscript key (``config["password"]``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return string_value(node.slice)
    return None


# A word or a dotted/dashed name made of words: a header, a field name, a placeholder.
_NAME_LIKE = re.compile(r"[A-Za-z]+(?:[_.\-:][A-Za-z]+)*[_.\-:]?")
_PLACEHOLDER = re.compile(r"<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\{[A-Za-z_]*\}|%\([A-Za-z_]+\)s|%s")


def looks_like_secret(value: str) -> bool:
    """A literal that could be a real credential: not empty, not a name-like word
    (``"password"``, ``"Authorization"``, ``"changeme"``), not a URL or a path, not
    prose or a label (it has spaces), not a placeholder (``"<token>"``, ``"****"``,
    ``"{password}"``)."""
    text = value.strip()
    if not text or text != value or any(ch.isspace() for ch in text):
        return False
    if _NAME_LIKE.fullmatch(text):
        return False
    if "://" in text or text.startswith(("/", "./", "../", "~/")) or re.match(r"[A-Za-z]:\\", text):
        return False
    if len(set(text)) <= 2 or _PLACEHOLDER.search(text):
        return False
    return True


# -- string flow --------------------------------------------------------------------

_MAX_DEPTH = 12
_NUMERIC_CALLS = frozenset({"int", "float", "len", "bool", "round", "abs", "Decimal"})
_TRANSLATIONS = frozenset(
    {"_", "gettext", "gettext_lazy", "ugettext", "ugettext_lazy", "pgettext", "pgettext_lazy",
     "ngettext", "ngettext_lazy", "gettext_noop", "_lazy"}
)

Binding = Tuple[Tuple[int, int], str, ast.AST]  # (position, "=" | "+=" | "%=", value)
# Is this bare name a constant (a module-level UPPER_CASE name bound once to a literal)?
ConstantTest = Callable[[str], bool]


_CONVERSION = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_NUMERIC_TYPES = frozenset("diouxXeEfFgGb")


def _numeric_conversions(template: ast.AST) -> Tuple[FrozenSet[int], FrozenSet[str]]:
    """Positions and keys of the numeric conversions (``%d``, ``%(n)i``) of a literal
    ``%`` template."""
    text = template.value if isinstance(template, ast.Constant) else None
    if not isinstance(text, str):
        return frozenset(), frozenset()
    positions, keys, index = set(), set(), 0
    for match in _CONVERSION.finditer(text):
        key, kind = match.group(1), match.group(2)
        if kind == "%":
            continue
        if kind in _NUMERIC_TYPES:
            if key is not None:
                keys.add(key)
            else:
                positions.add(index)
        index += 1
    return frozenset(positions), frozenset(keys)


def _numeric_spec(value: ast.FormattedValue) -> bool:
    """``{n:d}``, ``{price:.2f}``: the field is formatted as a number (or raises)."""
    spec = value.format_spec
    if not isinstance(spec, ast.JoinedStr) or not spec.values:
        return False
    last = spec.values[-1]
    return isinstance(last, ast.Constant) and isinstance(last.value, str) and last.value[-1:] in _NUMERIC_TYPES | {"n", "%"}


def _position(node: ast.AST) -> Tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _callee_name(call: ast.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


class StringFlow:
    """The string-building assignments of one scope, and questions about them.

    Built once per scope (``ctx.frame_fact("strings.flow", StringFlow.of)``): one walk of
    the scope's own statements (nested scopes are not entered) collecting ``name = value``,
    ``name: T = value``, ``name := value`` and ``name += value``."""

    __slots__ = ("bindings", "constant")

    def __init__(self, root: ast.AST, constant: ConstantTest) -> None:
        self.constant = constant
        self.bindings: Dict[str, List[Binding]] = {}
        for node in iter_nodes(root, into_scopes=False):
            if node is root:
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self._bind(target.id, node, "=", node.value)
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
                if node.value is not None and isinstance(node.target, ast.Name):
                    self._bind(node.target.id, node, "=", node.value)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                if isinstance(node.op, (ast.Add, ast.Mod)):
                    self._bind(node.target.id, node, "+=" if isinstance(node.op, ast.Add) else "%=", node.value)

    def _bind(self, name: str, stmt: ast.AST, kind: str, value: ast.AST) -> None:
        self.bindings.setdefault(name, []).append((_position(stmt), kind, value))

    def before(self, name: str, at: ast.AST) -> List[Binding]:
        where = _position(at)
        return [b for b in self.bindings.get(name, ()) if b[0] < where]

    # -- the questions ------------------------------------------------------------
    def dynamic_part(self, expr: ast.AST, at: ast.AST, safe_calls: FrozenSet[str]) -> Optional[ast.AST]:
        """The first part of a text *built here* (formatting or concatenation, directly or
        through this scope's locals) that is neither a literal, nor a module-level
        constant, nor the result of a call in ``safe_calls``; None if there is none.

        Text that arrives whole (a parameter, an attribute, a call's result) is not built
        here and yields None: the rule looks where it is built."""
        return self._template(expr, at, safe_calls, 0)

    def _template(self, node: ast.AST, at: ast.AST, safe: FrozenSet[str], depth: int) -> Optional[ast.AST]:
        """``node`` stands where the whole text goes."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, at, safe, depth)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mod):
                return self._template(node.left, at, safe, depth + 1) or self._percent_args(
                    node.right, at, safe, depth, _numeric_conversions(node.left)
                )
            if isinstance(node.op, ast.Add):
                return self._concatenation(node, at, safe, depth)
            return None
        if isinstance(node, ast.Call):
            if self._is_format(node):
                return self._template(node.func.value, at, safe, depth + 1) or self._call_args(node, at, safe, depth)  # type: ignore[attr-defined]
            return None
        if isinstance(node, ast.IfExp):
            return self._template(node.body, at, safe, depth + 1) or self._template(node.orelse, at, safe, depth + 1)
        if isinstance(node, ast.Name):
            for _, kind, value in self.before(node.id, at):
                found = (
                    self._template(value, value, safe, depth + 1)
                    if kind == "="
                    else (self._percent_args(value, value, safe, depth) if kind == "%=" else self._part(value, value, safe, depth + 1))
                )
                if found is not None:
                    return found
        return None

    def _concatenation(self, node: ast.BinOp, at: ast.AST, safe: FrozenSet[str], depth: int) -> Optional[ast.AST]:
        """``a + b + c``: the leftmost operand may be a statement arriving whole (``sql +
        " LIMIT 10"``); every later one is a piece put into it."""
        operands: List[ast.AST] = []
        current: ast.AST = node
        while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            operands.append(current.right)
            current = current.left
        operands.append(current)
        operands.reverse()
        if not any(self._is_text(op) for op in operands):
            return None  # numbers or lists being added, not text
        first, rest = operands[0], operands[1:]
        found = self._template(first, at, safe, depth + 1)
        if found is not None:
            return found
        for operand in rest:
            found = self._part(operand, at, safe, depth + 1)
            if found is not None:
                return found
        return None

    def _is_text(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr) or self._is_format(node)

    def _is_format(self, node: ast.AST) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
            return False
        receiver = node.func.value
        if isinstance(receiver, ast.Constant):
            return isinstance(receiver.value, str)
        # `sql.SQL("...").format(...)` composes safely (psycopg); names and f-strings are text
        return isinstance(receiver, (ast.JoinedStr, ast.Name, ast.BinOp))

    def _fstring(self, node: ast.JoinedStr, at: ast.AST, safe: FrozenSet[str], depth: int) -> Optional[ast.AST]:
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and not _numeric_spec(value):
                found = self._part(value.value, at, safe, depth + 1)
                if found is not None:
                    return found
        return None

    def _percent_args(
        self, right: ast.AST, at: ast.AST, safe: FrozenSet[str], depth: int,
        numeric: Tuple[FrozenSet[int], FrozenSet[str]] = (frozenset(), frozenset()),
    ) -> Optional[ast.AST]:
        """The arguments of ``template % right``; those a numeric conversion (``%d``)
        formats are numbers whatever they hold."""
        positions, keys = numeric
        if isinstance(right, ast.Tuple):
            parts: List[ast.AST] = [e for i, e in enumerate(right.elts) if i not in positions]
        elif isinstance(right, ast.Dict):
            parts = [
                v for k, v in zip(right.keys, right.values)
                if v is not None and not (isinstance(k, ast.Constant) and k.value in keys)
            ]
        else:
            parts = [] if 0 in positions else [right]
        for part in parts:
            found = self._part(part, at, safe, depth + 1)
            if found is not None:
                return found
        return None

    def _call_args(self, call: ast.Call, at: ast.AST, safe: FrozenSet[str], depth: int) -> Optional[ast.AST]:
        for arg in list(call.args) + [kw.value for kw in call.keywords]:
            found = self._part(arg.value if isinstance(arg, ast.Starred) else arg, at, safe, depth + 1)
            if found is not None:
                return found
        return None

    def _part(self, node: ast.AST, at: ast.AST, safe: FrozenSet[str], depth: int) -> Optional[ast.AST]:
        """``node`` is formatted into the text: the part that makes it dynamic, or None."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return None
        if isinstance(node, ast.Name):
            if self.constant(node.id):
                return None
            bound = self.before(node.id, at)
            if not bound:
                return node  # a parameter, a loop variable, an import: not a literal
            for _, kind, value in bound:
                found = self._part(value, value, safe, depth + 1)
                if found is not None:
                    return node
            return None
        if isinstance(node, (ast.JoinedStr, ast.BinOp)) or self._is_format(node):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
                # `["%s"] * len(ids)`, `"?, " * n`: repeated placeholders
                return self._part(node.left, at, safe, depth + 1)
            if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Add, ast.Mod)):
                return self._numeric(node, at, safe, depth)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                for side in (node.left, node.right):
                    found = self._part(side, at, safe, depth + 1)
                    if found is not None:
                        return found
                return None
            return self._template(node, at, safe, depth + 1)
        if isinstance(node, ast.IfExp):
            return self._part(node.body, at, safe, depth + 1) or self._part(node.orelse, at, safe, depth + 1)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for element in node.elts:
                found = self._part(element, at, safe, depth + 1)
                if found is not None:
                    return found
            return None
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._part(node.elt, at, safe, depth + 1)
        if isinstance(node, ast.Call):
            name = _callee_name(node)
            if name is None:
                return node
            if name in safe or name in _NUMERIC_CALLS:
                return None
            if name in _TRANSLATIONS and node.args and isinstance(node.args[0], ast.Constant):
                return None
            if name == "join" and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
                if isinstance(node.func.value, ast.Constant):
                    return self._part(node.args[0], at, safe, depth + 1)
            if name == "str" and len(node.args) == 1:
                return self._part(node.args[0], at, safe, depth + 1)
            return node
        if isinstance(node, ast.Attribute) and node.attr.isupper() and isinstance(node.value, ast.Name):
            return None  # `constants.ORDER_TABLE`, `cls.TABLE`: a constant by convention
        return node

    def _numeric(self, node: ast.BinOp, at: ast.AST, safe: FrozenSet[str], depth: int) -> Optional[ast.AST]:
        """Arithmetic (``page * size``) gives a number, not text; safe if its operands are."""
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant):
                continue
            if isinstance(side, ast.Call) and _callee_name(side) in _NUMERIC_CALLS:
                continue
            return node
        return None




def _is_literal(value: Optional[ast.AST]) -> bool:
    if isinstance(value, ast.Constant):
        return value.value is not None
    if isinstance(value, (ast.Tuple, ast.List)):
        return all(isinstance(e, ast.Constant) for e in value.elts)
    return False


def is_module_constant(ctx: "Context", name: str) -> bool:
    """An UPPER_CASE name bound once, at module level, to a literal."""
    return name.isupper() and _is_literal(ctx.module_constant(name))


def string_flow(ctx: "Context") -> StringFlow:
    """The current scope's :class:`StringFlow`, computed once and shared."""
    return ctx.frame_fact(  # type: ignore[no-any-return]
        "strings.flow", lambda c, frame: StringFlow(frame.node, lambda name: is_module_constant(c, name))
    )
