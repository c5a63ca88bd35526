"""Load `config/orchestrator.yml`, interpolate `${VAR:-default}`, validate, redact secrets.

The configuration is read once at the edge (CLI command, API start-up, test session) and
passed down as a `Settings` object; nothing below reads the environment itself.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from searxng_cool.errors import ConfigError

CONFIG_ENV = "SEARXNG_COOL_CONFIG"
# The roles `init` makes (docs/DATABASE.md, "Database roles"): who owns the schema, who
# the application is, who may only read.
OWNER_ROLE = "searxng_owner"
APP_ROLE = "searxng_user"
READONLY_ROLE = "searxng_readonly"
# A role's password, used only when `init` creates that role on a server that needs one.
ROLE_PASSWORD_ENV = {
    OWNER_ROLE: "SEARXNG_OWNER_PASSWORD",
    APP_ROLE: "SEARXNG_USER_PASSWORD",
    READONLY_ROLE: "SEARXNG_READONLY_PASSWORD",
}
EMBEDDED_DATA_ENV = "SEARXNG_COOL_PGDATA"
PG_BINDIR_ENV = "SEARXNG_COOL_PG_BINDIR"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = REPO_ROOT / "config" / "orchestrator.yml"

# The spec's file, used when no file is found (an installed copy outside the repository).
BUILTIN_CONFIG = {
    "DATABASE": {
        "SQLALCHEMY_DATABASE_URI": "${DATABASE_URL:-postgresql://searxng_user@/searxng_cool_music}",
        "OWNER_DATABASE_URI": "${DATABASE_OWNER_URL:-}",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    }
}

# The spec's connection pool settings.
DEFAULT_ENGINE_OPTIONS: dict[str, Any] = {
    "pool_size": 20,
    "pool_recycle": 3600,
    "pool_pre_ping": True,
    "max_overflow": 0,
    "connect_args": {"connect_timeout": 30, "application_name": "searxng_cool"},
}

# Thresholds and timeouts of backup/upgrade/status/optimize; any may be set under OPERATIONS.
# Numbers are plain (seconds, ms, ratios 0..1), so they are shown as they were configured.
OPERATIONS_DEFAULTS: dict[str, float] = {
    "LOCK_TIMEOUT_MS": 5_000,  # a migration waiting longer for a lock gives up, not queues traffic
    "STATEMENT_TIMEOUT_MS": 900_000,
    "SLOW_QUERY_MS": 100,  # the spec's "slow queries >100ms"
    "INDEX_USAGE_MIN_RATIO": 0.90,  # the spec's "index usage >90% for active tables"
    "INDEX_USAGE_MIN_ROWS": 1_000,  # below this, a sequential scan is the right plan
    "INDEX_USAGE_MIN_SCANS": 100,
    "DEAD_TUPLE_MAX_RATIO": 0.20,  # the spec's "vacuum when dead tuples >20%"
    "DEAD_TUPLE_MIN_ROWS": 1_000,
    "STALE_STATS_RATIO": 0.10,  # rows changed since the last ANALYZE, against live rows
    "CONNECTIONS_WARN_RATIO": 0.80,  # of the pool size and of max_connections
    "CONNECTIONS_CRITICAL_RATIO": 0.95,
    "LONG_RUNNING_SECONDS": 300,
    "IDLE_IN_TRANSACTION_SECONDS": 60,
    "SEQUENCE_WARN_RATIO": 0.75,
    "SEQUENCE_CRITICAL_RATIO": 0.90,
    "WRAPAROUND_WARN_AGE": 1_000_000_000,  # of the ~2.1 billion transaction ids
    "WRAPAROUND_CRITICAL_AGE": 1_500_000_000,
    "CACHE_HIT_MIN_RATIO": 0.99,
    "CACHE_HIT_MIN_BLOCKS": 100_000,  # a new or restored database reads from disk first
    "UNUSED_INDEX_MIN_BYTES": 1_048_576,  # smaller unused indexes cost too little to flag
    # An index is "unused" only once the statistics have watched it this long (a fresh
    # install's new indexes have simply not been asked for yet).
    "UNUSED_INDEX_MIN_DAYS": 7,
    "POPULARITY_STALE_HOURS": 24,
}

# The HTTP API (`serve`): rate limits per token (or per client address when anonymous), in
# requests per window, and the largest request body accepted outside /1/submit-listens
# (which takes ListenBrainz's own 10,240,000 bytes).
API_DEFAULTS: dict[str, int] = {
    "RATE_LIMIT_PER_TOKEN": 600,
    "RATE_LIMIT_PER_ADDRESS": 120,
    "RATE_LIMIT_WINDOW_SECONDS": 60,
    "MAX_BODY_BYTES": 1_048_576,
}

KNOWN_KEYS: dict[str, set[str]] = {
    "DATABASE": {
        "SQLALCHEMY_DATABASE_URI",
        "OWNER_DATABASE_URI",
        "SQLALCHEMY_TRACK_MODIFICATIONS",
        "SQLALCHEMY_ENGINE_OPTIONS",
    },
    "OPERATIONS": set(OPERATIONS_DEFAULTS),
    "API": set(API_DEFAULTS),
}
KNOWN_ENGINE_OPTIONS = {
    "pool_size",
    "pool_recycle",
    "pool_pre_ping",
    "max_overflow",
    "connect_args",
}

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")
_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-z0-9+]+://[^:/@\s]+:)(?P<secret>[^@\s]+)(?P<tail>@)")

MAX_PORT = 65535


def redact(text: str) -> str:
    """Hide the password of every URL in `text`."""
    return _PASSWORD_IN_URL.sub(r"\g<head>***\g<tail>", text)


class RedactedDict(dict[str, Any]):
    """A config section that never shows a password when printed."""

    def __repr__(self) -> str:
        return redact(super().__repr__())

    __str__ = __repr__


@dataclass(frozen=True)
class DatabaseConfig:
    """The DATABASE section, validated."""

    url: URL
    track_modifications: bool = False
    engine_options: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_ENGINE_OPTIONS))
    embedded_data_dir: Path | None = None
    pg_bindir: Path | None = None
    # DATABASE_OWNER_URL: who runs DDL (init, upgrade, downgrade, migrate, backup, restore,
    # optimize). None: the embedded cluster's owner role, or on another server `url` itself.
    owner_url: URL | None = field(default=None, repr=False)
    role_passwords: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_embedded(self) -> bool:
        """A URL naming no host means the project's own embedded cluster."""
        return not self.url.host and "host" not in self.url.query

    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def as_owner(self) -> DatabaseConfig:
        """The same database reached as the schema's owner, for commands that run DDL."""
        if self.owner_url is not None:
            owner = self.owner_url
        elif self.is_embedded:
            owner = self.url.set(username=OWNER_ROLE, password=None)
        else:
            owner = self.url
        return replace(self, url=owner)


@dataclass(frozen=True)
class OperationsConfig:
    """The OPERATIONS section: every threshold and timeout, defaults filled in."""

    values: Mapping[str, float] = field(default_factory=lambda: dict(OPERATIONS_DEFAULTS))

    def __getitem__(self, key: str) -> float:
        return self.values[key]

    def replace(self, **changes: float) -> OperationsConfig:
        """A copy with some values changed (tests and one-off overrides)."""
        return OperationsConfig(_operations({**self.values, **changes}))


@dataclass(frozen=True)
class ApiConfig:
    """The API section: rate limits and the request body limit, defaults filled in."""

    rate_limit_per_token: int = API_DEFAULTS["RATE_LIMIT_PER_TOKEN"]
    rate_limit_per_address: int = API_DEFAULTS["RATE_LIMIT_PER_ADDRESS"]
    rate_limit_window_seconds: int = API_DEFAULTS["RATE_LIMIT_WINDOW_SECONDS"]
    max_body_bytes: int = API_DEFAULTS["MAX_BODY_BYTES"]


@dataclass(frozen=True)
class Settings:
    database: DatabaseConfig
    source: str
    operations: OperationsConfig = field(default_factory=OperationsConfig)
    api: ApiConfig = field(default_factory=ApiConfig)


def _interpolate(value: Any, environ: Mapping[str, str], key: str) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, environ, f"{key}.{k}") for k, v in value.items()}
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if name in environ and environ[name] != "":
            return environ[name]
        if default is None:
            raise ConfigError(
                f"config: {key} uses ${{{name}}}, which is not set and has no default"
            )
        return default

    return _VARIABLE.sub(substitute, value)


def _read_file(path: Path | None) -> tuple[dict[str, Any], str]:
    if path is None:
        return BUILTIN_CONFIG, "built-in defaults"
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"config: cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config: {path} is not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"config: {path} must hold a mapping with a DATABASE section")
    return loaded, str(path)


def _find_config_file(environ: Mapping[str, str]) -> Path | None:
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    for candidate in (Path.cwd() / "config" / "orchestrator.yml", DEFAULT_CONFIG_PATH):
        if candidate.is_file():
            return candidate
    return None


def _check_keys(raw: Mapping[str, Any]) -> None:
    for section, body in raw.items():
        if section not in KNOWN_KEYS:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise ConfigError(f"config: unknown section {section!r} (known: {known})")
        if not isinstance(body, dict):
            raise ConfigError(f"config: {section} must be a mapping, got {body!r}")
        for key in body:
            if key not in KNOWN_KEYS[section]:
                known = ", ".join(sorted(KNOWN_KEYS[section]))
                raise ConfigError(f"config: unknown key {section}.{key} (known: {known})")
    if "DATABASE" not in raw:
        raise ConfigError("config: the DATABASE section is missing")


def parse_database_url(value: Any, key: str = "DATABASE.SQLALCHEMY_DATABASE_URI") -> URL:
    """Validate a PostgreSQL URL and give it the psycopg 3 driver."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"config: {key} = {value!r} is empty; expected postgresql://user@host/dbname"
        )
    try:
        # A port that is not a number is a ValueError from inside make_url, not an ArgumentError.
        url = make_url(value.strip())
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"config: {key} = {redact(value)!r} is not a URL (from DATABASE_URL or the "
            "config file); expected postgresql://user@host:5432/dbname"
        ) from None
    if url.port is not None and not 1 <= url.port <= MAX_PORT:
        raise ConfigError(
            f"config: {key} = {redact(value)!r} has port {url.port}; a port is 1..{MAX_PORT}"
        )
    backend = url.get_backend_name()
    if backend not in {"postgresql", "postgres"}:
        raise ConfigError(
            f"config: {key} = {redact(value)!r} is not a PostgreSQL URL "
            "(expected postgresql://user@host/dbname)"
        )
    if not url.database:
        raise ConfigError(f"config: {key} = {redact(value)!r} names no database")
    return url.set(drivername="postgresql+psycopg")


def _engine_options(raw: Any) -> dict[str, Any]:
    options = dict(DEFAULT_ENGINE_OPTIONS)
    if raw is None:
        return options
    if not isinstance(raw, dict):
        raise ConfigError(
            f"config: DATABASE.SQLALCHEMY_ENGINE_OPTIONS must be a mapping, got {raw!r}"
        )
    for key, value in raw.items():
        if key not in KNOWN_ENGINE_OPTIONS:
            known = ", ".join(sorted(KNOWN_ENGINE_OPTIONS))
            raise ConfigError(
                f"config: unknown key DATABASE.SQLALCHEMY_ENGINE_OPTIONS.{key} (known: {known})"
            )
        if key in {"pool_size", "pool_recycle", "max_overflow"} and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise ConfigError(
                f"config: DATABASE.SQLALCHEMY_ENGINE_OPTIONS.{key} = {value!r} "
                "must be a whole number >= 0"
            )
        options[key] = value
    return options


def _operations(raw: Any) -> dict[str, float]:
    values = dict(OPERATIONS_DEFAULTS)
    if raw is None:
        return values
    if not isinstance(raw, dict):
        raise ConfigError(f"config: OPERATIONS must be a mapping, got {raw!r}")
    for key, value in raw.items():
        if key not in OPERATIONS_DEFAULTS:
            known = ", ".join(sorted(OPERATIONS_DEFAULTS))
            raise ConfigError(f"config: unknown key OPERATIONS.{key} (known: {known})")
        number = value
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = value
        if (
            not isinstance(number, int | float)
            or isinstance(number, bool)
            or not math.isfinite(number)
            or number < 0
        ):
            raise ConfigError(f"config: OPERATIONS.{key} = {value!r} must be a number >= 0")
        if key.endswith("_RATIO") and number > 1:
            raise ConfigError(f"config: OPERATIONS.{key} = {value!r} is a ratio between 0 and 1")
        values[key] = float(number)
    return values


def _api(raw: Any) -> ApiConfig:
    if raw is None:
        return ApiConfig()
    if not isinstance(raw, dict):
        raise ConfigError(f"config: API must be a mapping, got {raw!r}")
    values = dict(API_DEFAULTS)
    for key, value in raw.items():
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ConfigError(f"config: API.{key} = {value!r} must be a whole number >= 1")
        values[key] = number
    return ApiConfig(**{key.lower(): value for key, value in values.items()})


def load_raw(path: Path | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The interpolated, key-checked file, as the spec's `load_config()` returns it."""
    env = os.environ if environ is None else environ
    file_path = path if path is not None else _find_config_file(env)
    raw, _ = _read_file(file_path)
    _check_keys(raw)
    interpolated = _interpolate(raw, env, "config")
    return {section: RedactedDict(body) for section, body in interpolated.items()}


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, interpolate and validate the configuration; raise ConfigError on the first bad value."""
    env = os.environ if environ is None else environ
    file_path = path if path is not None else _find_config_file(env)
    _, source = _read_file(file_path)
    raw = load_raw(file_path, env)
    section = raw["DATABASE"]
    track = section.get("SQLALCHEMY_TRACK_MODIFICATIONS", False)
    if not isinstance(track, bool):
        raise ConfigError(
            f"config: DATABASE.SQLALCHEMY_TRACK_MODIFICATIONS = {track!r} must be true or false"
        )
    owner_text = section.get("OWNER_DATABASE_URI")
    database = DatabaseConfig(
        url=parse_database_url(section.get("SQLALCHEMY_DATABASE_URI")),
        owner_url=(
            parse_database_url(owner_text, "DATABASE.OWNER_DATABASE_URI") if owner_text else None
        ),
        role_passwords={
            role: env[variable] for role, variable in ROLE_PASSWORD_ENV.items() if env.get(variable)
        },
        track_modifications=track,
        engine_options=_engine_options(section.get("SQLALCHEMY_ENGINE_OPTIONS")),
        embedded_data_dir=Path(env[EMBEDDED_DATA_ENV]) if env.get(EMBEDDED_DATA_ENV) else None,
        pg_bindir=Path(env[PG_BINDIR_ENV]) if env.get(PG_BINDIR_ENV) else None,
    )
    operations = OperationsConfig(_operations(raw.get("OPERATIONS")))
    return Settings(
        database=database, source=source, operations=operations, api=_api(raw.get("API"))
    )
