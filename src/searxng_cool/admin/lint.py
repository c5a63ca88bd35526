"""Migration lint: the unsafe operations squawk and strong_migrations flag, found in the
SQL a revision's `upgrade()` renders offline, each with the safe alternative.

A revision opts out of a rule with a comment line giving the reason:

    # lint: allow index-not-concurrent -- the table is empty in every deployment

Objects created in the same revision are new, so nothing else can be waiting on them:
an index on a table created a few lines earlier needs no CONCURRENTLY.

Timeouts: the gated runner's configured lock_timeout/statement_timeout are authoritative. A
revision declares its own with `op.execute(sql.revision_timeouts(...))`, which applies only
when no runner set its own (`missing-timeouts` checks that it is there before the first
lock); a plain `SET lock_timeout` would override the operator's choice
(`timeouts-override-runner`, checked in upgrade() and downgrade()).
"""

from __future__ import annotations

import importlib.util
import io
import re
from dataclasses import dataclass
from pathlib import Path

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from searxng_cool.admin import migrations
from searxng_cool.db.sql import RUNNER_TIMEOUTS_SETTING
from searxng_cool.errors import InvalidInput

SAFE_ALTERNATIVES: dict[str, str] = {
    "index-not-concurrent": (
        "build it with postgresql_concurrently=True inside "
        "`with op.get_context().autocommit_block():` (CREATE INDEX CONCURRENTLY)"
    ),
    "not-null-without-default": (
        "add the column nullable, or NOT NULL with a constant server_default "
        "(PostgreSQL 11+ adds it without rewriting the table)"
    ),
    "set-not-null": (
        "first ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT, "
        "then SET NOT NULL (PostgreSQL 12+ skips the scan), then drop the CHECK"
    ),
    "constraint-not-valid": (
        "add the FOREIGN KEY or CHECK with NOT VALID (postgresql_not_valid=True), "
        "then VALIDATE CONSTRAINT in a later statement: validation takes a weaker lock"
    ),
    "unique-constraint-builds-index": (
        "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX"
    ),
    "column-type-change": (
        "add a new column, backfill it in batches, switch readers, then drop the old one"
    ),
    "rename-column": (
        "add the new column (or a view), deploy code that uses it, then drop the old name later"
    ),
    "drop-column": (
        "first deploy code that no longer reads the column, then drop it in a later revision"
    ),
    "missing-timeouts": (
        'start upgrade() with op.execute(sql.revision_timeouts(lock_timeout="5s", '
        'statement_timeout="15min")) (from searxng_cool.db import sql) so a blocked lock '
        "fails fast"
    ),
    "timeouts-override-runner": (
        "set the revision's timeouts with op.execute(sql.revision_timeouts(...)): they then "
        "apply only when the gated upgrade has not set the operator's configured timeouts"
    ),
    "offline-render": (
        "keep upgrade() renderable with --sql (no reads through op.get_bind()), so its SQL can "
        "be reviewed and linted; or opt out with the reason"
    ),
    "opt-out-without-reason": "write `# lint: allow <rule> -- <why it is safe here>`",
}
RULES = tuple(SAFE_ALTERNATIVES)

_OPT_OUT = re.compile(r"^\s*#\s*lint:\s*allow\s+(?P<rule>[a-z-]+)(?:\s+--\s*(?P<reason>.*\S))?")
_NAME = r'(?:"?[A-Za-z_][\w$]*"?\.)?"?(?P<{group}>[A-Za-z_][\w$]*)"?'
_CREATED = re.compile(
    r"^CREATE\s+(?:UNLOGGED\s+)?(?:TABLE|MATERIALIZED\s+VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    + _NAME.format(group="name"),
    re.I,
)
_INDEX = re.compile(
    r"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?P<concurrently>CONCURRENTLY\s+)?.*?\bON\s+(?P<only>ONLY\s+)?"
    + _NAME.format(group="table"),
    re.I | re.S,
)
_ALTER = re.compile(
    r"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?" + _NAME.format(group="table"), re.I
)
_LOCKING = re.compile(
    r"^(?:ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+)?INDEX|DROP|CREATE\s+TRIGGER)", re.I
)
_TRIGGER_OR_DROP_TARGET = re.compile(r"\bON\s+" + _NAME.format(group="table"), re.I)
_SET_TIMEOUT = re.compile(
    r"^SET\s+(?:(?:LOCAL|SESSION)\s+)?(lock_timeout|statement_timeout)\b", re.I
)
_SET_CONFIG_TIMEOUT = re.compile(r"\bset_config\s*\(\s*'(lock_timeout|statement_timeout)'", re.I)
_DROPPED = re.compile(
    r"^DROP\s+(?:TABLE|INDEX|MATERIALIZED\s+VIEW|VIEW|TRIGGER)\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?"
    + _NAME.format(group="table"),
    re.I,
)


@dataclass(frozen=True)
class Finding:
    revision: str
    rule: str
    statement: str
    safe_alternative: str
    allowed_because: str | None = None

    @property
    def blocking(self) -> bool:
        return self.allowed_because is None


def split_statements(sql: str) -> list[str]:
    """Split SQL on semicolons outside quotes, dollar-quoted bodies and comments."""
    statements: list[str] = []
    current: list[str] = []
    i, quote = 0, ""
    while i < len(sql):
        char = sql[i]
        if quote:
            if sql.startswith(quote, i):
                current.append(quote)
                i += len(quote)
                quote = ""
                continue
        elif char in "'\"":
            quote = char
        elif char == "$":
            tag = re.match(r"\$[A-Za-z_]*\$", sql[i:])
            if tag:
                quote = tag.group(0)
                current.append(quote)
                i += len(quote)
                continue
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == ";":
            statements.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    statements.append("".join(current).strip())
    return [" ".join(s.split()) for s in statements if s.strip()]


def render_upgrade_sql(path: Path, *, function: str = "upgrade") -> str:
    """The SQL the revision file's upgrade() (or `function`) emits, rendered offline."""
    spec = importlib.util.spec_from_file_location(f"_lint_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise InvalidInput(f"{path} is not a Python revision file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql",
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    with Operations.context(context):
        getattr(module, function)()
    return buffer.getvalue()


def opt_outs(source: str) -> dict[str, str | None]:
    """Rules the revision file allows, with the reason given (None when it gave none)."""
    found: dict[str, str | None] = {}
    for line in source.splitlines():
        match = _OPT_OUT.match(line)
        if match:
            found[match.group("rule")] = match.group("reason")
    return found


def _alter_findings(statement: str, earlier: list[str]) -> list[str]:
    upper = statement.upper()
    rules = []
    added = re.findall(r"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?([^,]*)", upper)
    if any(
        "NOT NULL" in a and "DEFAULT" not in a and not a.startswith("CONSTRAINT") for a in added
    ):
        rules.append("not-null-without-default")
    for column in re.findall(r'ALTER\s+(?:COLUMN\s+)?"?(\w+)"?\s+SET\s+NOT\s+NULL', upper):
        prepared = any(
            re.search(rf"CHECK\s*\(+\s*\"?{column}\"?\s+IS\s+NOT\s+NULL", e.upper())
            for e in earlier
        ) and any("VALIDATE CONSTRAINT" in e.upper() for e in earlier)
        if not prepared:
            rules.append("set-not-null")
    if re.search(r"\bADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:FOREIGN\s+KEY|CHECK)\b", upper) and (
        "NOT VALID" not in upper
    ):
        rules.append("constraint-not-valid")
    if re.search(r"\bADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:UNIQUE|PRIMARY\s+KEY)\b", upper) and (
        "USING INDEX" not in upper
    ):
        rules.append("unique-constraint-builds-index")
    if re.search(r"\bALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b", upper):
        rules.append("column-type-change")
    if re.search(r"\bRENAME\s+(?:COLUMN\s+)?(?!TO\b)\S+\s+TO\b", upper):
        rules.append("rename-column")
    if re.search(r"\bDROP\s+COLUMN\b", upper):
        rules.append("drop-column")
    return rules


def _statement_target(statement: str) -> str | None:
    """The table a locking statement takes its lock on (None when it cannot tell)."""
    for pattern in (_ALTER, _INDEX, _DROPPED):
        match = pattern.match(statement)
        if match:
            return match.group("table").lower()
    match = _TRIGGER_OR_DROP_TARGET.search(statement)
    return match.group("table").lower() if match else None


def timeouts_set(statement: str) -> tuple[set[str], bool]:
    """The timeouts a statement sets, and whether it leaves a runner's own timeouts alone."""
    plain = _SET_TIMEOUT.match(statement)
    if plain:
        return {plain.group(1).lower()}, False
    found = {name.lower() for name in _SET_CONFIG_TIMEOUT.findall(statement)}
    return found, RUNNER_TIMEOUTS_SETTING in statement


def _timeout_overrides(statements: list[str]) -> list[tuple[str, str]]:
    overriding = []
    for statement in statements:
        names, defers = timeouts_set(statement)
        if names and not defers:
            overriding.append(("timeouts-override-runner", statement))
    return overriding


def lint_sql(
    sql: str, *, revision: str, source: str = "", downgrade_sql: str = ""
) -> list[Finding]:
    """Every unsafe operation in one revision's upgrade SQL, opt-outs applied; the downgrade's
    SQL, when given, is checked only for timeouts that override the runner's."""
    statements = [s for s in split_statements(sql) if "alembic_version" not in s]
    created: set[str] = set()
    raw = _timeout_overrides(statements)
    raw += _timeout_overrides(split_statements(downgrade_sql))
    timeouts: set[str] = set()
    for index, statement in enumerate(statements):
        match = _CREATED.match(statement)
        if match:
            created.add(match.group("name").lower())
            continue
        names, _ = timeouts_set(statement)
        if names:
            timeouts |= names
            continue
        target = _statement_target(statement)
        if target in created:
            continue
        index_match = _INDEX.match(statement)
        if index_match and not index_match.group("concurrently") and not index_match.group("only"):
            raw.append(("index-not-concurrent", statement))
        if _ALTER.match(statement):
            raw += [(rule, statement) for rule in _alter_findings(statement, statements[:index])]
        unprotected = timeouts != {"lock_timeout", "statement_timeout"}
        already = any(rule == "missing-timeouts" for rule, _ in raw)
        if _LOCKING.match(statement) and target and unprotected and not already:
            raw.append(("missing-timeouts", statement))
    return _apply_opt_outs(raw, revision=revision, source=source)


def _apply_opt_outs(raw: list[tuple[str, str]], *, revision: str, source: str) -> list[Finding]:
    allowed = opt_outs(source)
    findings = [
        Finding(
            revision=revision,
            rule="opt-out-without-reason",
            statement=f"# lint: allow {rule}",
            safe_alternative=SAFE_ALTERNATIVES["opt-out-without-reason"]
            + (
                ""
                if rule in SAFE_ALTERNATIVES
                else f" (and {rule!r} is no rule: {', '.join(RULES)})"
            ),
        )
        for rule, reason in allowed.items()
        if not reason or rule not in SAFE_ALTERNATIVES
    ]
    for rule, statement in raw:
        reason = allowed.get(rule)
        findings.append(
            Finding(
                revision=revision,
                rule=rule,
                statement=statement if len(statement) <= 200 else statement[:197] + "...",
                safe_alternative=SAFE_ALTERNATIVES[rule],
                allowed_because=reason or None,
            )
        )
    return findings


def lint_file(path: Path, revision: str | None = None) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    name = revision or path.stem
    try:
        rendered = render_upgrade_sql(path)
    except Exception as exc:  # a revision's own code failing offline is a finding, not a crash
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return _apply_opt_outs([("offline-render", reason)], revision=name, source=source)
    try:  # downgrades are read only for their timeouts; one that cannot render is not linted
        downgrade_sql = render_upgrade_sql(path, function="downgrade")
    except Exception:
        downgrade_sql = ""
    return lint_sql(rendered, revision=name, source=source, downgrade_sql=downgrade_sql)


def lint_revisions(revisions: list[str] | None = None) -> list[Finding]:
    """Lint the named revisions (default: every revision), oldest first."""
    known = {rev.revision: rev for rev in migrations.history()}
    wanted = revisions or [rev.revision for rev in reversed(migrations.history())]
    findings: list[Finding] = []
    for revision in wanted:
        if revision not in known:
            raise InvalidInput(f"revision {revision!r} is unknown; see `db_cli.py history`")
        findings += lint_file(Path(known[revision].path), revision)
    return findings
