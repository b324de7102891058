"""A baseline of known findings, so an old code base can adopt the rules one fix at a time.

A finding is remembered by its *fingerprint*, never by its line number, so code moving up
or down keeps it known:

* the rule code;
* the path, relative to the working directory, with forward slashes;
* the text of the offending line, whitespace collapsed and a trailing comment (``# noqa``
  included) stripped;
* an occurrence index among the findings of that file with the same code and text, in
  line order (two identical ``os.getenv("A")`` lines are occurrences 0 and 1, so a third
  copy is reported).

Both front ends compute occurrences over the engine's findings of the whole file, before
``noqa`` comments or per-file ignores apply, so a recording and a check count alike.

``python -m flake8_backend_rules baseline --output FILE PATH...`` records one by running
flake8 itself (in this process, one job), so the project's flake8 configuration decides the
options and the selection exactly as in the checks that later read the file. The flake8
option is ``--backend-baseline=FILE``; the pylint option ``--baseline=FILE``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from typing import Any, Dict, Iterable, Iterator, List, Optional, Protocol, Sequence, Set, Tuple, TypeVar, Union

FORMAT_VERSION = 1
FLAKE8_OPTION = "--backend-baseline"
PYLINT_OPTION = "--baseline"

Entry = Tuple[str, str, str, int]  # (path, code, text, occurrence)
_Key = Tuple[str, str, int]  # (code, text, occurrence) within one file


class Finding(Protocol):
    """What the baseline needs of an engine finding (no import of the engine's class)."""

    line: int
    col: int
    code: str


F = TypeVar("F", bound=Finding)


class BaselineError(Exception):
    """The baseline file cannot be used; the message names the file and the problem."""


# -- fingerprints ----------------------------------------------------------------------


def relative_path(filename: str) -> str:
    """The path as the baseline and CI reports name it: relative to the working directory
    when below it, forward slashes, no ``./``."""
    path = os.path.normpath(filename)
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            relative = path
        if not relative.startswith(".."):
            path = relative
    return path.replace(os.sep, "/")


def _strip_comment(line: str) -> str:
    """``line`` without a trailing ``# comment``; a ``#`` inside a string literal stays."""
    quote = ""
    index, size = 0, len(line)
    while index < size:
        char = line[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if line.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
        elif char == "#":
            return line[:index]
        elif char in "'\"":
            quote = line[index : index + 3] if line[index : index + 3] in ('"""', "'''") else char
            index += len(quote)
            continue
        index += 1
    return line


def normalise_text(line: str) -> str:
    """The offending line as the fingerprint keeps it: comments stripped, whitespace
    collapsed (re-indenting or adding a ``noqa`` leaves it unchanged)."""
    return " ".join(_strip_comment(line.replace("\ufeff", "")).split())


def line_text(lines: Optional[Sequence[str]], number: int) -> str:
    if lines is None or not 1 <= number <= len(lines):
        return ""
    return normalise_text(lines[number - 1])


def fingerprints(findings: Iterable[F], lines: Optional[Sequence[str]]) -> Iterator[Tuple[F, _Key]]:
    """Each finding of one file with its (code, text, occurrence), in line order."""
    seen: Counter = Counter()
    for finding in sorted(findings, key=lambda f: (f.line, f.col, f.code)):
        text = line_text(lines, finding.line)
        occurrence = seen[finding.code, text]
        seen[finding.code, text] += 1
        yield finding, (finding.code, text, occurrence)


def source_lines(source: Union[bytes, str]) -> List[str]:
    """Decode a module's bytes into lines the way flake8 does (PEP 263 cookie, BOM)."""
    import io
    import tokenize

    if isinstance(source, str):
        return io.StringIO(source).readlines()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        return io.TextIOWrapper(io.BytesIO(source), encoding).readlines()
    except (LookupError, SyntaxError, UnicodeError):
        return source.decode("latin-1").splitlines(keepends=True)


# -- the file --------------------------------------------------------------------------


def _invalid(path: str, why: str) -> BaselineError:
    return BaselineError(f"{path!r} is not a flake8-backend-rules baseline: {why}")


def read_entries(path: str) -> List[Entry]:
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(
            f"{path!r} does not exist; record it with "
            f"`python -m flake8_backend_rules baseline --output {path} PATH...`"
        ) from None
    except OSError as error:
        raise BaselineError(f"cannot read {path!r}: {error.strerror or error}") from None
    except ValueError as error:  # JSON or encoding
        raise _invalid(path, f"not JSON ({error})") from None
    if not isinstance(payload, dict) or "findings" not in payload:
        raise _invalid(path, 'expected an object with "version" and "findings"')
    if payload.get("version") != FORMAT_VERSION:
        raise _invalid(path, f"unsupported version {payload.get('version')!r} (this release reads {FORMAT_VERSION})")
    findings = payload["findings"]
    if not isinstance(findings, list):
        raise _invalid(path, '"findings" is not a list')
    entries: List[Entry] = []
    for number, item in enumerate(findings):
        if not (
            isinstance(item, dict)
            and all(isinstance(item.get(key), str) for key in ("path", "code", "text"))
            and type(item.get("occurrence")) is int
            and item["occurrence"] >= 0
        ):
            raise _invalid(path, f"finding #{number} needs path, code, text (strings) and occurrence (>= 0)")
        entries.append((item["path"], item["code"], item["text"], item["occurrence"]))
    return entries


def dumps(entries: Iterable[Entry]) -> str:
    """Sorted, one finding per line: stable and diff-friendly."""
    rows = [
        json.dumps({"path": path, "code": code, "text": text, "occurrence": occurrence})
        for path, code, text, occurrence in sorted(set(entries))
    ]
    body = ",\n    ".join(rows)
    findings = f"[\n    {body}\n  ]" if rows else "[]"
    return f'{{\n  "version": {FORMAT_VERSION},\n  "tool": "flake8-backend-rules",\n  "findings": {findings}\n}}\n'


def write_entries(path: str, entries: Iterable[Entry]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(dumps(entries))


# -- hiding known findings ---------------------------------------------------------------


class Baseline:
    """The known findings, looked up per file; a file with none costs one dict lookup."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_path: Dict[str, Set[_Key]] = {}
        for path, code, text, occurrence in entries:
            self._by_path.setdefault(path, set()).add((code, text, occurrence))

    @classmethod
    def load(cls, path: str) -> "Baseline":
        return cls(read_entries(path))

    def covers(self, filename: str) -> bool:
        """Whether the baseline knows findings in this file (before decoding its lines)."""
        return relative_path(filename) in self._by_path

    def filter(self, findings: List[F], filename: str, lines: Optional[Sequence[str]]) -> List[F]:
        """The findings that are not in the baseline."""
        if not findings:
            return findings
        known = self._by_path.get(relative_path(filename))
        if not known:
            return findings
        return [finding for finding, key in fingerprints(findings, lines) if key not in known]


class Recorder(Baseline):
    """Used in place of a baseline while recording: remembers every finding, hides all."""

    def __init__(self) -> None:
        super().__init__(())
        self.entries: List[Entry] = []
        self.checked: Set[str] = set()

    def filter(self, findings: List[F], filename: str, lines: Optional[Sequence[str]]) -> List[F]:
        path = relative_path(filename)
        self.checked.add(path)
        self.entries.extend((path, *key) for _, key in fingerprints(findings, lines))
        return []


_RECORDER: Optional[Recorder] = None


# -- the flake8 option -------------------------------------------------------------------


def add_flake8_option(parser: Any) -> None:
    parser.add_option(
        FLAKE8_OPTION,
        default=None,
        parse_from_config=True,
        normalize_paths=True,
        help="Hide the BR findings recorded in this baseline file (see "
        "`python -m flake8_backend_rules baseline --help`).",
    )


def config_error(option: str, error: BaselineError, tool: str) -> str:
    return f"{tool}: error: {option}: {error}"


def for_flake8(options: argparse.Namespace) -> Optional[Baseline]:
    """The active recorder, the configured baseline or None. A baseline that cannot be
    read ends the run with a message on stderr and status 2, like a bad option value."""
    if _RECORDER is not None:
        return _RECORDER
    path = getattr(options, "backend_baseline", None)
    if not path:
        return None
    try:
        return Baseline.load(path)
    except BaselineError as error:
        print(config_error(FLAKE8_OPTION, error, "flake8"), file=sys.stderr)
        raise SystemExit(2) from None


# -- recording ---------------------------------------------------------------------------


def record(paths: Sequence[str], flake8_args: Sequence[str]) -> Recorder:
    """Run flake8 over ``paths`` (its configuration, its file discovery, its selection) and
    collect every BR finding it would report before ``noqa``. One job, so the plugin runs
    in this process and can hand the findings over."""
    from flake8.main.application import Application

    global _RECORDER
    recorder = Recorder()
    _RECORDER = recorder
    try:
        app = Application()
        app.run([*flake8_args, "--jobs=1", "--format=quiet-nothing", *paths])
    finally:
        _RECORDER = None
    if app.catastrophic_failure:
        raise BaselineError("flake8 failed; run it on the same paths to see why")
    return recorder


def prune(old: List[Entry], recorder: Recorder) -> List[Entry]:
    """The old entries that still occur. Files outside the checked paths keep theirs, unless
    they no longer exist; nothing new is added."""
    current = set(recorder.entries)
    return [
        entry for entry in old
        if entry in current or (entry[0] not in recorder.checked and os.path.exists(entry[0]))
    ]


def main(args: argparse.Namespace) -> int:
    flake8_args: List[str] = []
    if args.select:
        flake8_args.append(f"--select={args.select}")
    if args.extend_select:
        flake8_args.append(f"--extend-select={args.extend_select}")
    try:
        old = read_entries(args.output) if args.prune else []
        recorder = record(args.paths, flake8_args)
    except BaselineError as error:
        print(f"python -m flake8_backend_rules baseline: error: {error}", file=sys.stderr)
        return 2
    if args.prune:
        kept = prune(old, recorder)
        write_entries(args.output, kept)
        dropped = len(set(old)) - len(set(kept))
        print(f"{args.output}: dropped {dropped} finding(s) that no longer occur; {len(set(kept))} kept")
    else:
        entries = set(recorder.entries)
        write_entries(args.output, entries)
        files = len({entry[0] for entry in entries})
        print(f"{args.output}: recorded {len(entries)} finding(s) in {files} file(s)")
    return 0


def add_subcommand(sub: Any) -> None:
    parser = sub.add_parser(
        "baseline",
        help="record today's BR findings so flake8/pylint report only new ones",
        description="Record the BR findings flake8 reports for PATHs (using the project's flake8 "
        "configuration) into FILE; pass FILE to flake8 --backend-baseline or pylint --baseline.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--output", "-o", required=True, metavar="FILE")
    parser.add_argument("--prune", action="store_true",
                        help="rewrite FILE without the findings that no longer occur (adds nothing)")
    parser.add_argument("--select", help="as flake8's --select, e.g. BR")
    parser.add_argument("--extend-select", help="as flake8's --extend-select, e.g. BR008 for an opt-in rule")
