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

Recursion into an expression's own parts stops after ``_MAX_DEPTH`` levels. Following a
name through its bindings is not bounded by depth but memoised: what a name holds after
its first *k* bindings is worked out once, so a long rebinding chain costs linear work
(and the work budget of :mod:`budget` guards the rest).
"""
from __future__ import annotations

import ast
from bisect import bisect_left
from functools import lru_cache
import re
import string
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, List, Optional, Tuple, Union

from .astutil import call_name, iter_nodes, position, string_value
from .budget import WORK
from .context import FactKey
from .vocabulary import TRANSLATIONS


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

_HINTS = ("pass", "secret", "token", "key", "auth", "cvv", "ssn", "card")
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")  # `_`, and `-`/`.` in header and dict keys


def name_words(name: str) -> List[str]:
    """``STRIPE_SECRET_KEY`` -> [stripe, secret, key]; ``accessToken`` -> [access, token];
    ``X-Api-Key`` -> [x, api, key]."""
    spaced = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return [word for word in _SEPARATORS.split(spaced.lower()) if word]


@lru_cache(maxsize=8192)  # names repeat: every keyword, dict key and target of a module asks
def secret_word(name: str, personal: bool = False) -> Optional[str]:
    """The secret a name holds (``password``, ``api_key``...), or None.

    Only the name's last word (or last two, for ``secret_key``-style pairs) counts, so a
    name that qualifies the word holds something else. With ``personal``, personal data
    (``cvv``, ``ssn``, ``card_number``, an ``authorization`` header) counts too."""
    lowered = name.lower()
    if not any(hint in lowered for hint in _HINTS):
        return None  # the cheap test first: this runs on every keyword and dict key
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
_NAME_LIKE = re.compile(r"[_.\-]*[A-Za-z]+(?:[_.\-:][A-Za-z]+)*[_.\-:]?")
# Shorter literals are dummies ("123", "xyz1"); a configuration *default* counts whatever it is.
_MIN_SECRET_LENGTH = 6
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod, ast.Div)
_PLACEHOLDER = re.compile(r"<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\{[A-Za-z_]*\}|%\([A-Za-z_]+\)s|%s")


# Rate-limit strings (`"5/m/user"`, `"20/m/ip,5/m/key"`, `"100/hour"`): configuration, no secret.
_RATE_LIMIT = re.compile(r"\d+/\d*[a-z]+(?:/[a-z_]+)?(?:,\s*\d+/\d*[a-z]+(?:/[a-z_]+)?)*", re.IGNORECASE)
# Resource names (`"payments-api-token"`): kebab-case words, a name for a secret, not the secret.
_KEBAB_NAME = re.compile(r"[a-z]+[0-9]*(?:-[a-z]+[0-9]*)+")
# Placeholders a user replaces: `"<your api key>"`, `"your-secret-here"`, `"CHANGE_ME"`.
_PLACEHOLDER_WORDS = re.compile(r"^(?:your[-_ ]|<|\[|\{)|placeholder|dummy", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """A value nobody uses as a credential: a placeholder to replace (`"<your key>"`,
    `"your-secret-here"`, `"dummy"`), a flag (`"0"`, `"false"`), a rate limit (`"5/m/ip"`)."""
    text = value.strip()
    if not text or text.lower() in ("0", "1", "true", "false", "none", "null", "no", "yes", "off", "on"):
        return True
    if not any(char.isalnum() for char in text):
        return True  # `"---"`, `"***"`
    return bool(_PLACEHOLDER_WORDS.search(text) or _PLACEHOLDER.search(text) or _RATE_LIMIT.fullmatch(text))


def looks_like_secret(value: str) -> bool:
    """A literal that could be a real credential: six characters or more, not a name-like word
    (``"password"``, ``"Authorization"``, ``"changeme"``), not a URL or a path, not
    prose or a label (it has spaces), not a placeholder (``"<token>"``, ``"****"``,
    ``"{password}"``)."""
    text = value.strip()
    if len(text) < _MIN_SECRET_LENGTH or text != value or any(ch.isspace() for ch in text):
        return False
    if _NAME_LIKE.fullmatch(text):
        return False
    if "://" in text or text.startswith(("/", "./", "../", "~/")) or re.match(r"[A-Za-z]:\\", text):
        return False
    if len(set(text)) <= 2 or _PLACEHOLDER.search(text) or _RATE_LIMIT.fullmatch(text):
        return False
    if _KEBAB_NAME.fullmatch(text) or _PLACEHOLDER_WORDS.search(text):
        return False
    return True


# -- string flow --------------------------------------------------------------------

_MAX_DEPTH = 12
_NUMERIC_CALLS = frozenset({"int", "float", "len", "bool", "round", "abs", "Decimal", "count"})
# Attributes that hold a row's primary key (and `<fk>_id`/`_pk` attributes): integers or
# UUIDs from the database. A bare name ending in `_id` may be a request parameter: not these.
_KEY_ATTRIBUTES = frozenset({"id", "pk"})
# What a request carries from its sender (Django, DRF, Flask, Starlette spellings).
_REQUEST_INPUTS = frozenset(
    {"GET", "POST", "data", "query_params", "args", "form", "json", "values", "COOKIES", "cookies",
     "headers", "META", "path_params", "body"}
)

Binding = Tuple[Tuple[int, int], str, ast.AST]  # (position, "=" | "+=" | "%=", value)
# Is this bare name a constant (a module-level UPPER_CASE name bound once to a literal)?
ConstantTest = Callable[[str], bool]
# Given the literal text before a formatted part and the text right after it, is the
# part in a position where the rule cares (SQL: a value position)? None: everywhere.
PositionTest = Optional[Callable[[str, str], bool]]
# A text as a sequence of literal pieces (str) and formatted parts (nodes).
Segments = List[Union[str, ast.AST]]

_CONVERSION = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_NUMERIC_TYPES = frozenset("diouxXeEfFgGbn%")
_NUMBER_TEXT = "0"  # what a numeric conversion puts into the text, for the position test


_STRING_METHODS = frozenset({"replace", "strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize"})


def _reads_meta(node: ast.Attribute) -> bool:
    current: ast.AST = node.value
    while isinstance(current, ast.Attribute):
        if current.attr == "_meta":
            return True
        current = current.value
    return False


def _reads(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in iter_nodes(node, into_scopes=False))


def _numeric_spec(value: ast.FormattedValue) -> bool:
    """``{n:d}``, ``{price:.2f}``: the field is formatted as a number (or raises)."""
    spec = value.format_spec
    if not isinstance(spec, ast.JoinedStr) or not spec.values:
        return False
    last = spec.values[-1]
    return isinstance(last, ast.Constant) and isinstance(last.value, str) and last.value[-1:] in _NUMERIC_TYPES


def _str_constant(node: ast.AST) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


_SQL_VALUE_END = re.compile(r"(?:[=<>]|\b(?:like|ilike|limit|offset)|\b(?:in|values)\s*\()\s*$", re.IGNORECASE)
_SQL_CONNECTIVE_END = re.compile(r"\b(?:and|or|not|then|else|when)\s*$", re.IGNORECASE)
_SQL_BETWEEN_END = re.compile(r"\bbetween\s+\S+\s+and\s*$", re.IGNORECASE)
_SQL_LIST_OPENER = re.compile(r"\b(?:in|values)\s*$", re.IGNORECASE)


def sql_value_position(before: str, after: str) -> bool:
    """Is a part formatted in here a *value* of the statement (where parameters belong)?

    Inside a single-quoted SQL string (`'{name}'`), or right after a comparison, `LIKE`,
    `LIMIT`/`OFFSET`, `BETWEEN ... AND`, or inside `IN (...)`/`VALUES (...)`. Identifier
    positions are not: a table or column name (`FROM {table}`, `{tbl}.id`, `"{schema}"`),
    a function (`SELECT {fn}()`), DDL (`CREATE DATABASE {name}`): SQL cannot bind those as
    parameters, and they come from the code's models and backends."""
    if before.count("'") % 2 == 1:
        return True
    if (after[:1] in (".", "(", "_", '"', "`") or after[:1].isalnum()
            or before[-1:] in ('"', "`", ".", "_") or before[-1:].isalnum()):
        return False
    stripped = before.rstrip()
    if stripped.endswith(","):
        opened = stripped.rfind("(")
        if opened < 0 or stripped.rfind(")") > opened:
            return False  # a column list: `SELECT a, {col}`
        return bool(_SQL_LIST_OPENER.search(stripped[:opened]))
    if _SQL_CONNECTIVE_END.search(stripped):
        # `... AND {x}` joins conditions; a value only after BETWEEN (`BETWEEN 1 AND {x}`)
        return bool(_SQL_BETWEEN_END.search(stripped))
    return bool(_SQL_VALUE_END.search(stripped))


class StringFlow:
    """The string-building assignments of one scope, and questions about them.

    Built once per scope (``ctx.frame_fact(_STRINGS_FLOW_KEY, ...)``): one walk of the
    scope's own statements (nested scopes are not entered) collecting ``name = value``,
    ``name: T = value``, ``name := value``, ``name += value`` and ``name %= value``."""

    __slots__ = ("bindings", "constant", "module_text", "_statement_of", "_positions", "_live_start", "_memo",
                 "_numbers", "_order", "_primed")

    def __init__(
        self, root: ast.AST, constant: ConstantTest, module_text: Callable[[str], Optional[str]] = lambda name: None
    ) -> None:
        self.constant = constant
        self.module_text = module_text  # the text of a module-level string constant
        self.bindings: Dict[str, List[Binding]] = {}
        # an assigned value -> its statement's position: following a value looks at the
        # bindings before the statement (`sql = sql + x` reads the previous `sql`)
        self._statement_of: Dict[int, Tuple[int, int]] = {}
        self._positions: Dict[str, List[Tuple[int, int]]] = {}
        # name -> for each binding k, where the values still live at k start (see live)
        self._live_start: Dict[str, List[int]] = {}
        # answers about a name at a point, keyed by (question, name, bindings before it,
        # ...): each is worked out once however many times the text is used
        self._memo: Dict[Tuple[object, ...], object] = {}
        self._numbers: Dict[str, bool] = {}
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
                if isinstance(node.op, ast.Add):
                    self._bind(node.target.id, node, "+=", node.value)
                elif isinstance(node.op, ast.Mod):
                    self._bind(node.target.id, node, "%=", node.value)

        for bound in self.bindings.values():
            bound.sort(key=lambda item: item[0])
        for name, bound in self.bindings.items():
            self._positions[name] = [b[0] for b in bound]
        # every binding in source order, and how far each question has been answered
        # along it (see _prime)
        self._order = sorted(
            (where, name, index) for name, bound in self.bindings.items() for index, (where, _, _) in enumerate(bound)
        )
        self._primed: Dict[Tuple[object, ...], int] = {}

    def _bind(self, name: str, stmt: ast.AST, kind: str, value: ast.AST) -> None:
        self.bindings.setdefault(name, []).append((position(stmt), kind, value))
        self._statement_of[id(value)] = position(stmt)

    def count_before(self, name: str, at: ast.AST) -> int:
        """How many bindings of ``name`` come before ``at`` (a bisection)."""
        WORK.lookup()
        positions = self._positions.get(name)
        if not positions:
            return 0
        return bisect_left(positions, self._statement_of.get(id(at)) or position(at))

    def before(self, name: str, at: ast.AST) -> List[Binding]:
        k = self.count_before(name, at)
        return self.bindings[name][:k] if k else []

    def live(self, name: str, k: int) -> List[Binding]:
        """The bindings among the first ``k`` of ``name`` whose values can still be there:
        a rebinding that reads the name (`html = clean_html(html)`) consumes the values
        before it. The start of each prefix is worked out once per name."""
        if not k:
            return []
        starts = self._live_start.get(name)
        bound = self.bindings[name]
        if starts is None:
            starts = []
            for index, (_, kind, value) in enumerate(bound):
                if index and kind == "=" and _reads(value, name):
                    starts.append(index)
                else:
                    starts.append(starts[-1] if starts else 0)
            self._live_start[name] = starts
        WORK.lookup(k - starts[k - 1])
        return bound[starts[k - 1]:k]

    # -- the question -------------------------------------------------------------
    def dynamic_part(
        self, expr: ast.AST, at: ast.AST, safe_calls: FrozenSet[str], counts_here: PositionTest = None
    ) -> Optional[ast.AST]:
        """The first part of a text *built here* (an f-string, ``%``, ``.format()`` or
        ``+``, directly or through this scope's locals) that is neither a literal, nor a
        module-level constant, nor a number, nor the result of a call in ``safe_calls``,
        and that sits where ``counts_here`` says it matters; None if there is none.

        Text that arrives whole (a parameter, an attribute, a call's result) is not built
        here and yields None: the rule looks where text is built."""
        self._prime(safe_calls, counts_here, self._statement_of.get(id(at)) or position(at))
        for segments in self._alternatives(expr, at, 0):
            found = self._check(segments, at, safe_calls, counts_here, 0)
            if found is not None:
                return found
        return None

    def _prime(self, safe: FrozenSet[str], counts_here: PositionTest, where: Tuple[int, int]) -> None:
        """Answer, binding by binding in source order up to ``where``, what each name holds
        after it. A binding's answer reads only the answers of bindings before it, which
        are then known: following a chain of a thousand rebindings never recurses more
        than one binding deep."""
        key = (safe, counts_here)
        done = self._primed.get(key, 0)
        order = self._order
        while done < len(order) and order[done][0] < where:
            _, name, index = order[done]
            done += 1
            self._primed[key] = done  # a question asked while priming sees the progress
            WORK.lookup()
            if index == len(self.bindings[name]) - 1:
                self._is_number_name(name, safe)
            at_index = index + 1
            self._name_alternatives_at(name, at_index)
            self._from_request_at(name, at_index)
            self._name_part(name, at_index, safe, counts_here)

    def _check(
        self, segments: Segments, at: ast.AST, safe: FrozenSet[str], counts_here: PositionTest, depth: int
    ) -> Optional[ast.AST]:
        text_before = ""
        for index, segment in enumerate(segments):
            if isinstance(segment, str):
                text_before += segment
                continue
            after = ""
            for following in segments[index + 1:]:
                if not isinstance(following, str):
                    break
                after += following
            found = self._part(segment, at, safe, counts_here, text_before, after, depth)
            if found is not None:
                return found
            text_before += "\x00"  # a formatted part: not a quote, not an operator
        return None

    def _part(
        self, node: ast.AST, at: ast.AST, safe: FrozenSet[str], counts_here: PositionTest,
        before: str, after: str, depth: int,
    ) -> Optional[ast.AST]:
        """``node`` is formatted into the text between ``before`` and ``after``."""
        if depth > _MAX_DEPTH or self._is_safe_value(node, safe):
            return None
        if isinstance(node, ast.Name):
            found, opaque = self._name_part(node.id, self.count_before(node.id, at), safe, counts_here)
            if found is not None:
                return found
            if not opaque:
                return None  # every value it holds was built here from safe parts
        elif isinstance(node, ast.IfExp):
            for branch in (node.body, node.orelse):
                found = self._part(branch, at, safe, counts_here, before, after, depth + 1)
                if found is not None:
                    return found
            return None
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for element in node.elts:
                found = self._part(element, at, safe, counts_here, before, after, depth + 1)
                if found is not None:
                    return found
            return None
        elif isinstance(node, ast.Call) and call_name(node) == "str" and len(node.args) == 1:
            return self._part(node.args[0], at, safe, counts_here, before, after, depth + 1)
        if counts_here is None or counts_here(before, after) or self._from_request(node, at, 0):
            return node  # a request value counts anywhere: `ORDER BY {request.GET["o"]}`
        return None

    def _name_part(
        self, name: str, k: int, safe: FrozenSet[str], counts_here: PositionTest
    ) -> Tuple[Optional[ast.AST], bool]:
        """(the first unsafe part among the values the first ``k`` bindings of ``name``
        leave, whether it may also hold text arriving whole); once per (name, k). Each
        bound value is followed afresh (depth 0): only an expression's own nesting is
        bounded by depth, never a chain of bindings, which the memo keeps linear."""
        key = ("part", name, k, safe, counts_here)
        known = self._memo.get(key)
        if known is not None:
            return known  # type: ignore[return-value]
        bound = self.live(name, k)
        found: Optional[ast.AST] = None
        opaque = not bound  # a parameter, a loop variable, an import
        for _, kind, value in bound:
            if self._is_safe_value(value, safe):
                continue
            appended: Segments = [""]
            inner = self._alternatives(value, value, 0) if kind == "=" else (
                [appended + self._segments(value, value, 0)] if kind == "+=" else []
            )
            if not inner:
                opaque = True  # bound to text arriving whole
            for segments in inner:
                found = self._check(segments, value, safe, counts_here, 0)
                if found is not None:
                    break
            if found is not None:
                break
        result = (found, opaque)
        self._memo[key] = result
        return result

    def _from_request(self, node: ast.AST, at: ast.AST, depth: int) -> bool:
        """A value read from the request (`request.GET["sort"]`,
        `self.request.query_params.get("o")`), directly or through a local; a value
        passed through another call (`clean(request.GET["o"])`) is not."""
        if depth > 4:
            return False
        if isinstance(node, ast.Name):
            return self._from_request_at(node.id, self.count_before(node.id, at))
        current: ast.AST = node
        saw_input = False
        for _ in range(32):
            if isinstance(current, ast.Call):
                current = current.func
            elif isinstance(current, ast.Subscript):
                current = current.value
            elif isinstance(current, ast.Attribute):
                if current.attr in _REQUEST_INPUTS:
                    saw_input = True
                elif current.attr == "request":
                    return saw_input
                current = current.value
            else:
                break
        return saw_input and isinstance(current, ast.Name) and current.id in ("request", "req")

    def _from_request_at(self, name: str, k: int) -> bool:
        key = ("request", name, k)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = any(
                kind == "=" and self._from_request(value, value, 0) for _, kind, value in self.live(name, k)
            )
        return bool(known)

    def _is_safe_value(self, node: ast.AST, safe: FrozenSet[str], depth: int = 0) -> bool:
        """A literal, a constant, a number, a quoted identifier, escaped HTML..."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return self.constant(node.id) or self._is_number(node, safe)
        if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Dict, ast.List, ast.Tuple)):
            # `{True: "true", False: "false"}[value]`: one of the literals
            values = node.value.values if isinstance(node.value, ast.Dict) else node.value.elts
            return all(isinstance(v, ast.Constant) for v in values)
        if isinstance(node, ast.IfExp):
            return self._is_safe_value(node.body, safe, depth + 1) and self._is_safe_value(node.orelse, safe, depth + 1)
        if isinstance(node, ast.Attribute):
            # `constants.ORDER_TABLE`, `cls.TABLE`: a constant by convention; `obj.pk`;
            # `model._meta.db_table`, `_meta.verbose_name`: the model's declared options
            return (
                node.attr.isupper() or node.attr in _KEY_ATTRIBUTES or node.attr.endswith(("_id", "_pk"))
                or _reads_meta(node)
            )
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return all(self._is_safe_value(e, safe, depth + 1) for e in node.elts)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._is_safe_value(node.elt, safe, depth + 1)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mult):  # `["%s"] * len(ids)`, `"?, " * n`, `page * size`
                return self._is_safe_value(node.left, safe, depth + 1) or (
                    self._is_number(node.left, safe) and self._is_number(node.right, safe)
                )
            if not isinstance(node.op, (ast.Add, ast.Mod)):
                return self._is_number(node.left, safe) and self._is_number(node.right, safe)
            return False
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in safe or name in _NUMERIC_CALLS:
                return True
            if name in TRANSLATIONS and node.args and isinstance(node.args[0], ast.Constant):
                return True
            if name == "join" and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
                return isinstance(node.func.value, ast.Constant) and self._is_safe_value(node.args[0], safe, depth + 1)
            if name in _STRING_METHODS and isinstance(node.func, ast.Attribute):
                # `escape(text).replace("\n", "<br>")`: a safe text with literal edits
                literal_args = all(isinstance(a, ast.Constant) for a in node.args)
                return literal_args and self._is_safe_value(node.func.value, safe, depth + 1)
        return False

    def _is_number(self, node: ast.AST, safe: FrozenSet[str], depth: int = 0) -> bool:
        """A number literal, `len(...)`/`int(...)`/`.count()`, arithmetic on numbers, or
        a local only ever bound to one of those (`total = pending + accepted`)."""
        if depth > 4:
            return False
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
        if isinstance(node, ast.Call):
            return call_name(node) in _NUMERIC_CALLS
        if isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
            return self._is_number(node.left, safe, depth + 1) and self._is_number(node.right, safe, depth + 1)
        if isinstance(node, ast.Name):
            return self._is_number_name(node.id, safe)
        return False

    def _is_number_name(self, name: str, safe: FrozenSet[str]) -> bool:
        """Every binding of ``name`` is a number; once per name. A name met again while
        its own answer is worked out (`total = total + x`) is taken to be one: the other
        bindings decide."""
        known = self._numbers.get(name)
        if known is not None:
            return known
        bound = self.bindings.get(name, ())
        WORK.lookup(len(bound) or 1)
        self._numbers[name] = True
        result = bool(bound) and all(
            kind != "%=" and self._is_number(value, safe, 0) for _, kind, value in bound
        )
        self._numbers[name] = result
        return result

    # -- texts as segments ----------------------------------------------------------
    def _alternatives(self, node: ast.AST, at: ast.AST, depth: int) -> List[Segments]:
        """The ways a text expression may be built, each as segments. A local assigned
        in several places gives one alternative per assignment (with the `+=` that
        follow it); an expression that is not a recognisable build gives none."""
        if isinstance(node, ast.Name):
            return list(self._name_alternatives_at(node.id, self.count_before(node.id, at)))
        segments = self._segments(node, at, depth)
        if len(segments) == 1 and not isinstance(segments[0], str) and segments[0] is node:
            return []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            leftmost: ast.AST = node
            while isinstance(leftmost, ast.BinOp) and isinstance(leftmost.op, ast.Add):
                leftmost = leftmost.left
            local = isinstance(leftmost, ast.Name) and bool(self.before(leftmost.id, at))
            if segments and segments[0] is leftmost and not local:
                segments[0] = ""  # `sql + " LIMIT 10"`: a statement arriving whole, extended
        return [segments]

    def _name_alternatives_at(self, name: str, k: int) -> List[Segments]:
        key = ("alternatives", name, k)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._name_alternatives(name, k)
        return known  # type: ignore[return-value]

    def _name_alternatives(self, name: str, k: int) -> List[Segments]:
        alternatives: List[Segments] = []
        current: Optional[Segments] = None
        for _, kind, value in self.live(name, k):
            if kind == "=":
                if current is not None and not _reads(value, name):
                    alternatives.append(current)
                # `html = clean_html(html)`: the old value flows through the new one
                built = self._alternatives(value, value, 0)
                current = built[0] if built else [value]
            elif kind == "+=":
                current = (current if current is not None else [""]) + self._segments(value, value, 0)
            else:  # `sql %= args`: the template's conversions, unknown from here
                current = (current if current is not None else [""]) + ["\x00"] + self._arguments(value)
        if current is not None:
            alternatives.append(current)
        # a local that only holds text arriving whole is not a build
        return [a for a in alternatives if not (len(a) == 1 and not isinstance(a[0], str))]

    def _segments(self, node: ast.AST, at: ast.AST, depth: int) -> Segments:
        """``node`` flattened into literal pieces and formatted parts (never raises;
        an unrecognised expression is one part)."""
        if depth > _MAX_DEPTH:
            return [node]
        text = _str_constant(node)
        if text is not None:
            return [text]
        if isinstance(node, ast.JoinedStr):
            out: Segments = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    out.append(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    if _numeric_spec(value):
                        out.append(_NUMBER_TEXT)
                    elif isinstance(value.value, ast.JoinedStr):
                        out.extend(self._segments(value.value, at, depth + 1))
                    else:
                        out.append(value.value)
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            operands: List[ast.AST] = []
            current: ast.AST = node
            while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                operands.append(current.right)  # a long `a + b + c` nests to the left
                current = current.left
            operands.append(current)
            out = []
            for operand in reversed(operands):
                out.extend(self._segments(operand, at, depth + 1))
            if not any(isinstance(segment, str) for segment in out):
                return [node]  # numbers or lists being added, not text
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._percent(node, at, depth)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            template = self._template_text(node.func.value, at)
            if template is not None:
                return self._format(template, node)
        return [node]

    def _template_text(self, node: ast.AST, at: ast.AST) -> Optional[str]:
        """The literal text of a template: a string, or a name bound once to one."""
        text = _str_constant(node)
        if isinstance(node, ast.Call) and call_name(node) in TRANSLATIONS and node.args:
            return _str_constant(node.args[0])  # `_("... %s ...") % x`
        if text is not None or not isinstance(node, ast.Name):
            return text
        bound = self.before(node.id, at)
        if len(bound) == 1 and bound[0][1] == "=":
            return _str_constant(bound[0][2])
        return None if bound else self.module_text(node.id)  # `QUERY % name`

    def _percent(self, node: ast.BinOp, at: ast.AST, depth: int) -> Segments:
        template = self._template_text(node.left, at)
        if template is None:
            # `self.sql_template % {...}`: the template is not visible; its conversions'
            # places are unknown, so each argument counts as a part of unknown position.
            return ["\x00"] + self._arguments(node.right)
        right = node.right
        positional = list(right.elts) if isinstance(right, ast.Tuple) else [right]
        mapping: Dict[str, ast.AST] = {}
        if isinstance(right, ast.Dict):
            for key_node, value in zip(right.keys, right.values):
                if key_node is not None and _str_constant(key_node) is not None:
                    mapping[str(_str_constant(key_node))] = value
        out: Segments = []
        index, last = 0, 0
        for match in _CONVERSION.finditer(template):
            out.append(template[last:match.start()])
            last = match.end()
            key, kind = match.group(1), match.group(2)
            if kind == "%":
                out.append("%")
                continue
            if kind in _NUMERIC_TYPES:
                out.append(_NUMBER_TEXT)
            elif key is not None:
                out.append(mapping.get(key, right))
            else:
                out.append(positional[index] if index < len(positional) else right)
            if key is None:
                index += 1
        out.append(template[last:])
        return out

    def _arguments(self, right: ast.AST) -> Segments:
        if isinstance(right, ast.Tuple):
            return [e for e in right.elts]
        if isinstance(right, ast.Dict):
            return [v for v in right.values if v is not None]
        return [right]

    def _format(self, template: str, call: ast.Call) -> Segments:
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return [call]
        keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        opaque: List[ast.AST] = [kw.value for kw in call.keywords if kw.arg is None]
        out: Segments = []
        auto = 0
        for literal, field, spec, _ in fields:
            out.append(literal)
            if field is None:
                continue
            head = re.split(r"[.\[]", field, maxsplit=1)[0]
            value: Optional[ast.AST]
            if head == "":
                value = call.args[auto] if auto < len(call.args) else None
                auto += 1
            elif head.isdigit():
                index = int(head)
                value = call.args[index] if index < len(call.args) else None
            else:
                value = keywords.get(head)
            if spec and spec[-1:] in _NUMERIC_TYPES:
                out.append(_NUMBER_TEXT)
            elif value is None:
                out.append(opaque[0] if opaque else call)
            elif isinstance(value, ast.Starred):
                out.append(value.value)
            else:
                out.append(value)
        return out


def _is_literal(value: Optional[ast.AST]) -> bool:
    if isinstance(value, ast.Constant):
        return value.value is not None
    if isinstance(value, (ast.Tuple, ast.List)):
        return all(isinstance(e, ast.Constant) for e in value.elts)
    return False


def is_module_constant(ctx: "Context", name: str) -> bool:
    """An UPPER_CASE name bound once, at module level, to a literal."""
    return name.isupper() and _is_literal(ctx.module_constant(name))


def module_text(ctx: "Context", name: str) -> Optional[str]:
    """The text of a module-level UPPER_CASE name bound once to a string literal."""
    return _str_constant(ctx.module_constant(name)) if name.isupper() else None  # type: ignore[arg-type]


_STRINGS_FLOW_KEY: FactKey[StringFlow] = FactKey("strings.flow")


def string_flow(ctx: "Context") -> StringFlow:
    """The current scope's :class:`StringFlow`, computed once and shared."""
    return ctx.frame_fact(
        _STRINGS_FLOW_KEY,
        lambda c, frame: StringFlow(
            frame.node, lambda name: is_module_constant(c, name), lambda name: module_text(c, name)
        ),
    )
