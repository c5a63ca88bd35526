"""The project's small error hierarchy, mapped to exit codes and HTTP statuses at the edges."""


class SearxngCoolError(Exception):
    """Base of every error this project raises on purpose; the message is for the user."""


class InvalidInput(SearxngCoolError):  # noqa: N818 - named for what the caller did wrong
    """The caller gave a value the system cannot accept."""


class NotFound(SearxngCoolError):  # noqa: N818
    """The thing asked for does not exist."""


class Conflict(SearxngCoolError):  # noqa: N818
    """The request clashes with the current state (stale version, duplicate, ...)."""


class Forbidden(SearxngCoolError):  # noqa: N818
    """The caller may not do this."""


class ConfigError(InvalidInput):
    """The configuration file or environment holds a bad value."""


class EnvironmentProblem(SearxngCoolError):  # noqa: N818
    """Something outside the project (a binary, a server, a permission) is missing or broken."""
