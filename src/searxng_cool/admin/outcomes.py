"""A validator result: which check, pass/warn/fail, and a one-line reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Outcome(IntEnum):
    PASS = 0
    WARN = 1
    FAIL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Result:
    group: str
    name: str
    outcome: Outcome
    reason: str

    def as_json(self) -> dict[str, str]:
        return {
            "group": self.group,
            "name": self.name,
            "outcome": self.outcome.label,
            "reason": self.reason,
        }
