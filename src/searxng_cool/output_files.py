"""Report files (rejects) that exist only when there is something to report, and never clobber.

A run with nothing to reject leaves no file behind; a run that does reject never overwrites
an earlier report of the same name (which may be the only record of an earlier run's
refusals): it writes `NAME.1.jsonl`, `NAME.2.jsonl`, ... beside it instead.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO

from searxng_cool.errors import InvalidInput

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


class ReportFile:
    """A text file created on the first write, at `wanted` or the next unused numbered name."""

    def __init__(self, wanted: Path) -> None:
        self.wanted = wanted
        self.path: Path | None = None  # where it was written, once it was
        self._handle: IO[str] | None = None

    def write(self, text: str) -> None:
        if self._handle is None:
            self.path = unused_path(self.wanted)
            try:
                # "x": never truncate a file that appeared since unused_path looked.
                self._handle = self.path.open("x", encoding="utf-8")
            except OSError as exc:
                raise InvalidInput(
                    f"cannot write the rejects file {self.path}: {exc.strerror}"
                ) from exc
        self._handle.write(text)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> ReportFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
