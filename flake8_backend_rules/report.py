"""flake8 report formats for CI: ``--format=sarif``, ``--format=github``, ``--format=gitlab``.

They receive every violation flake8 reports (other plugins' codes too: ``E501``,
``F401``...), so one run gives one complete report. SARIF and GitLab are JSON documents
written once, in :meth:`stop`; they are valid with no findings, and ``--output-file``
replaces the file rather than appending a second document to it.

Levels, one mapping for the three formats:

====================================  =======  ===============  =============
finding                               SARIF    GitHub command   GitLab
====================================  =======  ===============  =============
BR rule in pylint category E          error    error            critical
default-on BR rule                    warning  warning          major
opt-in BR rule                        note     warning          minor
other plugin: pyflakes ``F``, ``E9``  warning  warning          major
other plugin: anything else           warning  warning          minor
====================================  =======  ===============  =============
"""
from __future__ import annotations

import hashlib
import json
import linecache
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import quote

from flake8.formatting.base import BaseFormatter
from flake8.violation import Violation

from . import __version__
from .baseline import normalise_text, relative_path
from .registry import RULES, Rule

# Placeholders until the repository is published (as the pre-commit hook's URL).
INFORMATION_URI = "https://github.com/flake8-backend-rules/flake8-backend-rules"
DOCS_BASE_URL = "https://github.com/flake8-backend-rules/flake8-backend-rules/blob/main/docs/rules/"

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "flake8BackendRules/v1"


def rule_url(code: str) -> str:
    return f"{DOCS_BASE_URL}{code}.md"


def _is_error(rule: Rule) -> bool:
    return rule.pylint_id.startswith("E")  # the pylint category letter


def sarif_level(code: str) -> str:
    rule = RULES.get(code)
    if rule is None:
        return "warning"
    if _is_error(rule):
        return "error"
    return "warning" if rule.default_on else "note"


def gitlab_severity(code: str) -> str:
    rule = RULES.get(code)
    if rule is not None:
        if _is_error(rule):
            return "critical"
        return "major" if rule.default_on else "minor"
    return "major" if code.startswith(("F", "E9")) else "minor"


def _offending_line(violation: Violation) -> str:
    """The violation's own line. flake8's ``physical_line`` is the whole statement when it
    spans several lines; then the file is read (a buffer from stdin keeps the statement)."""
    physical = violation.physical_line
    if physical is not None and physical.count("\n") <= 1:
        return physical
    from_file = linecache.getline(violation.filename, violation.line_number)
    return from_file or physical or ""


def fingerprinted(violations: List[Violation]) -> Iterator[Tuple[Violation, str, str]]:
    """(violation, relative path, fingerprint): a hash of the code, the path, the normalised
    text of the line and the occurrence index among identical (code, path, text) in the
    file. Never the line number, so moving code keeps its fingerprint."""
    seen: Counter = Counter()
    for violation in violations:
        path = relative_path(violation.filename)
        text = normalise_text(_offending_line(violation))
        key = (violation.code, path, text)
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8"))
        yield violation, path, digest.hexdigest()


class _DocumentFormatter(BaseFormatter):
    """Collects every violation; writes one JSON document when flake8 stops."""

    def after_init(self) -> None:
        self._violations: List[Violation] = []
        self._to_stderr = False

    def start(self) -> None:
        if self.filename:  # one document per run: replace the file, never append to it
            os.makedirs(os.path.dirname(os.path.abspath(self.filename)), exist_ok=True)
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def handle(self, error: Violation) -> None:
        self._violations.append(error)

    def format(self, error: Violation) -> Optional[str]:  # pragma: no cover - handle() is used
        return None

    def _write(self, output: str) -> None:
        if self._to_stderr:
            sys.stderr.write(output + "\n")
        else:
            super()._write(output)

    # --statistics and --benchmark print before stop(): keep them out of the document.
    def show_statistics(self, statistics: Any) -> None:
        self._to_stderr = True
        try:
            super().show_statistics(statistics)
        finally:
            self._to_stderr = False

    def show_benchmarks(self, benchmarks: List[Tuple[str, float]]) -> None:
        self._to_stderr = True
        try:
            super().show_benchmarks(benchmarks)
        finally:
            self._to_stderr = False

    def document(self) -> Any:
        raise NotImplementedError

    def stop(self) -> None:
        self._write(json.dumps(self.document(), indent=2))
        super().stop()


# -- SARIF 2.1.0 -------------------------------------------------------------------------


def _br_rule_descriptor(rule: Rule) -> Dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.symbol,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what},
        "help": {"text": rule.why},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": sarif_level(rule.code)},
        "properties": {"pylintId": rule.pylint_id},
    }


def _artifact_location(path: str) -> Dict[str, str]:
    if os.path.isabs(path) or path == ".." or path.startswith("../"):  # outside the cwd
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


class SarifFormatter(_DocumentFormatter):
    """``--format=sarif``: one SARIF 2.1.0 log, one run, every BR rule described."""

    def document(self) -> Dict[str, Any]:
        rules = [_br_rule_descriptor(rule) for rule in RULES.values()]
        index = {rule.code: position for position, rule in enumerate(RULES.values())}
        first_message: Dict[str, str] = {}
        for violation in self._violations:
            if violation.code not in index:
                first_message.setdefault(violation.code, violation.text)
        for code in sorted(first_message):
            index[code] = len(rules)
            rules.append({
                "id": code,
                "shortDescription": {"text": first_message[code]},
                "defaultConfiguration": {"level": sarif_level(code)},
            })
        results = []
        for violation, path, fingerprint in fingerprinted(self._violations):
            location: Dict[str, Any] = {"artifactLocation": _artifact_location(path)}
            if violation.line_number >= 1:  # E902 (unreadable file) names no line
                location["region"] = {
                    "startLine": violation.line_number,
                    "startColumn": max(1, violation.column_number),
                }
            results.append({
                "ruleId": violation.code,
                "ruleIndex": index[violation.code],
                "level": sarif_level(violation.code),
                "message": {"text": violation.text},
                "locations": [{"physicalLocation": location}],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
            })
        return {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [{
                "tool": {"driver": {
                    "name": "flake8-backend-rules",
                    "version": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }},
                "originalUriBaseIds": {SRCROOT: {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        }


# -- GitLab Code Quality -------------------------------------------------------------------


class GitlabFormatter(_DocumentFormatter):
    """``--format=gitlab``: a GitLab Code Quality report (a JSON list of issues)."""

    def document(self) -> List[Dict[str, Any]]:
        return [
            {
                "description": f"{violation.code} {violation.text}",
                "check_name": violation.code,
                "fingerprint": fingerprint,
                "severity": gitlab_severity(violation.code),
                # E902 (unreadable file) has line 0; GitLab counts from 1
                "location": {"path": path, "lines": {"begin": max(1, violation.line_number)}},
            }
            for violation, path, fingerprint in fingerprinted(self._violations)
        ]


# -- GitHub Actions workflow commands -------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter(BaseFormatter):
    """``--format=github``: one ``::warning``/``::error`` annotation per finding."""

    def format(self, error: Violation) -> str:
        rule = RULES.get(error.code)
        command = "error" if rule is not None and _is_error(rule) else "warning"
        title = f"{error.code} {rule.symbol}" if rule is not None else error.code
        return (
            f"::{command} file={escape_property(relative_path(error.filename))},"
            f"line={error.line_number},col={error.column_number},"
            f"title={escape_property(title)}::{escape_data(error.text)}"
        )

    def show_source(self, error: Violation) -> str:
        return ""  # only workflow commands: the annotation shows the code itself
