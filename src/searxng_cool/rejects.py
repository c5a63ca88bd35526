"""Rejects: what an ingest or a load refused, where it came from, and why.

One format for every bulk input (catalog ingest, interaction loads, the plays of a Last.fm
import): JSON Lines, one object per refused input,
`{"line": 12, "code": "invalid", "reason": "duration_ms -5 is outside 0..86400000", "input": ...}`.
`input` is the row as read (an object, a list of CSV fields, or the text of the line), cut
to MAX_INPUT_CHARS when it is text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

from searxng_cool.errors import InvalidInput

MAX_INPUT_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused input: its line (when known), a short code and a readable reason."""

    line: int | None
    code: str
    reason: str
    input: Any = None

    def as_json(self) -> str:
        shown = self.input
        if isinstance(shown, str) and len(shown) > MAX_INPUT_CHARS:
            shown = shown[:MAX_INPUT_CHARS] + "…"
        body = {"line": self.line, "code": self.code, "reason": self.reason, "input": shown}
        return json.dumps(body, ensure_ascii=False, default=str)


class RejectSink(Protocol):
    def reject(self, rejection: Rejection) -> None: ...


@dataclass
class CollectedRejects:
    """Keeps rejections in memory (tests, the API)."""

    items: list[Rejection] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        self.items.append(rejection)


MAX_NUMBERED = 10_000


def unused_path(wanted: Path) -> Path:
    """`wanted` if nothing is there, else the first free `stem.N.suffix` beside it."""
    if not wanted.exists():
        return wanted
    for number in range(1, MAX_NUMBERED):
        candidate = wanted.with_name(f"{wanted.stem}.{number}{wanted.suffix}")
        if not candidate.exists():
            return candidate
    raise InvalidInput(f"{wanted} and {MAX_NUMBERED} numbered copies exist; give --rejects")


class JsonlRejects:
    """Writes each rejection as one JSON object per line to `path`.

    The file is created at the first rejection: a run that refuses nothing leaves no file.
    It never overwrites an earlier report (perhaps the only record of an earlier run's
    refusals): when `path` is taken, `NAME.1.jsonl`, `NAME.2.jsonl`, ... beside it is
    written instead, and `path` then says which.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self._file: IO[str] | None = None
        self._entered = False

    def __enter__(self) -> JsonlRejects:
        self._entered = True
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def reject(self, rejection: Rejection) -> None:
        if not self._entered:
            raise RuntimeError("JsonlRejects must be used as a context manager")
        if self._file is None:
            self.path = unused_path(self.path)
            try:
                # "x": never truncate a file that appeared since unused_path looked.
                self._file = self.path.open("x", encoding="utf-8")
            except OSError as exc:
                raise InvalidInput(
                    f"cannot write the rejects file {self.path}: {exc.strerror}"
                ) from exc
        self._file.write(rejection.as_json() + "\n")
        self.written += 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
