"""The project's small error hierarchy, mapped to exit codes and HTTP statuses at the edges."""


class SearxngCoolError(Exception):
    """Base of every error this project raises on purpose; the message is for the user."""


class InvalidInput(SearxngCoolError):  # noqa: N818 - named for what the caller did wrong
    """The caller gave a value the system cannot accept."""


class NotFound(SearxngCoolError):  # noqa: N818
    """The thing asked for does not exist."""


class Conflict(SearxngCoolError):  # noqa: N818
    """The request clashes with the current state (stale version, duplicate, ...)."""


class StaleVersion(Conflict):
    """An edit made against a version that is no longer current (HTTP 412 with If-Match)."""


class Forbidden(SearxngCoolError):  # noqa: N818
    """The caller may not do this."""


class ConfigError(InvalidInput):
    """The configuration file or environment holds a bad value."""


class EnvironmentProblem(SearxngCoolError):  # noqa: N818
    """Something outside the project (a binary, a server, a permission) is missing or broken."""


class Unauthenticated(SearxngCoolError):  # noqa: N818
    """No credentials, or credentials that do not identify an active account (HTTP 401)."""


class RateLimited(SearxngCoolError):  # noqa: N818
    """Too many attempts; the caller may try again after `retry_after` seconds (HTTP 429)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
