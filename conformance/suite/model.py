"""Checks, their outcomes and the report of a run.

A :class:`Check` is one testable requirement: an id such as ``VCI-8.3.1.2-invalid_nonce`` (spec, section, slug),
the section it comes from, its level (the spec's MUST or SHOULD) and a one-line description. Running it gives an
:class:`Outcome`: ``pass``, ``fail``, ``warn`` (allowed, but worth knowing) or ``skip`` with the reason. A run's
exit code is non-zero when a MUST check fails (``--strict``: any check).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

if TYPE_CHECKING:
    from conformance.suite.context import SuiteContext

__all__ = [
    "Check",
    "CheckFailed",
    "CheckFunction",
    "CheckModule",
    "ContextT",
    "Level",
    "Outcome",
    "Report",
    "Result",
    "Skip",
    "Status",
    "failed",
    "passed",
    "warned",
]

JsonObject = dict[str, Any]


class Level(enum.StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    detail: str = ""


def passed(detail: str = "") -> Outcome:
    return Outcome(Status.PASS, detail)


def failed(detail: str) -> Outcome:
    return Outcome(Status.FAIL, detail)


def warned(detail: str) -> Outcome:
    return Outcome(Status.WARN, detail)


class Skip(Exception):
    """Raised by a check (or a helper it calls) when the check cannot run; the message is the reason."""


class CheckFailed(Exception):
    """Raised inside a check to fail it with a message (for checks with several conditions)."""


# The context a check runs with: the issuer suite's ``SuiteContext`` unless a module says otherwise
# (the verifier checks take ``conformance.suite.vp_context.VerifierContext``).
ContextT = TypeVar("ContextT", default="SuiteContext")
CheckFunction = Callable[[ContextT], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Check(Generic[ContextT]):
    id: str
    module: str
    section: str
    level: Level
    description: str
    run: CheckFunction[ContextT]
    # run once per credential configuration (issuer) or presentation format (verifier) under test: id[name]
    per_configuration: bool = False


@dataclass(slots=True)
class CheckModule(Generic[ContextT]):
    """A named, ordered group of checks; ``@MODULE.check(...)`` registers one."""

    name: str
    checks: list[Check[ContextT]] = field(default_factory=list)

    def check(
        self,
        check_id: str,
        *,
        section: str,
        level: Level,
        description: str,
        per_configuration: bool = False,
    ) -> Callable[[CheckFunction[ContextT]], CheckFunction[ContextT]]:
        def register(function: CheckFunction[ContextT]) -> CheckFunction[ContextT]:
            if any(c.id == check_id for c in self.checks):
                raise ValueError(f"duplicate check id {check_id}")
            self.checks.append(
                Check(check_id, self.name, section, level, description, function, per_configuration)
            )
            return function

        return register

    def __iter__(self) -> Iterator[Check[ContextT]]:
        return iter(self.checks)


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    module: str
    section: str
    level: Level
    description: str
    status: Status
    detail: str = ""
    evidence: tuple[str, ...] = ()
    duration_ms: float = 0.0

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "module": self.module,
            "section": self.section,
            "level": self.level.value,
            "description": self.description,
            "status": self.status.value,
            "detail": self.detail,
            "evidence": list(self.evidence),
            "duration_ms": round(self.duration_ms, 1),
        }


@dataclass(slots=True)
class Report:
    """Everything a run found, in check order."""

    target: JsonObject
    started_at: str
    duration_s: float = 0.0
    results: list[Result] = field(default_factory=list)
    suite: str = "oid4vc conformance suite (OpenID4VCI 1.0 issuer)"
    role: str = "issuer"  # "issuer" or "verifier": what was tested

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for result in self.results:
            out[result.status.value] += 1
        return out

    @property
    def must_failures(self) -> list[Result]:
        return [r for r in self.results if r.status is Status.FAIL and r.level is Level.MUST]

    def exit_code(self, *, strict: bool = False) -> int:
        if strict:
            return 1 if any(r.status is Status.FAIL for r in self.results) else 0
        return 1 if self.must_failures else 0

    def by_id(self, check_id: str) -> Result:
        for result in self.results:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    def to_json(self) -> JsonObject:
        return {
            "suite": self.suite,
            "role": self.role,
            "target": self.target,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 2),
            "summary": self.counts() | {"must_failed": len(self.must_failures)},
            "results": [r.to_json() for r in self.results],
        }
