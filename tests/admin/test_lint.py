"""The migration lint flags each unsafe operation, accepts its safe form, and honours opt-outs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, pool, text
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from searxng_cool.admin import lint, migrations
from searxng_cool.cli.main import app
from searxng_cool.db import sql

HEADER = '''"""a revision for the lint tests"""
import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision = "20990101_0000_lint_case"
down_revision = None
{opt_out}

def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
'''
TIMEOUTS = '    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min"))\n'
PLAIN_SET_TIMEOUTS = "    op.execute(\"SET LOCAL lock_timeout = '5s'\")\n    op.execute(\"SET LOCAL statement_timeout = '15min'\")\n"

UNSAFE = {
    "index-not-concurrent": TIMEOUTS + '    op.create_index("ix_t", "tracks", ["title"])',
    "not-null-without-default": TIMEOUTS
    + '    op.add_column("tracks", sa.Column("plays", sa.Integer(), nullable=False))',
    "set-not-null": TIMEOUTS + '    op.alter_column("tracks", "isrc", nullable=False)',
    "constraint-not-valid": TIMEOUTS
    + '    op.create_foreign_key("fk_t", "tracks", "users", ["owner_id"], ["id"])',
    "unique-constraint-builds-index": TIMEOUTS
    + '    op.create_unique_constraint("uq_t", "tracks", ["title"])',
    "column-type-change": TIMEOUTS + '    op.alter_column("tracks", "title", type_=sa.Text())',
    "rename-column": TIMEOUTS + '    op.alter_column("tracks", "title", new_column_name="name")',
    "drop-column": TIMEOUTS + '    op.drop_column("tracks", "isrc")',
    "missing-timeouts": '    op.add_column("tracks", sa.Column("note", sa.Text()))',
    "timeouts-override-runner": PLAIN_SET_TIMEOUTS
    + '    op.add_column("tracks", sa.Column("note", sa.Text()))',
    "offline-render": '    op.get_bind().execute(sa.text("SELECT count(*) FROM tracks")).scalar()',
}
SAFE = {
    "index built concurrently": TIMEOUTS
    + "    with op.get_context().autocommit_block():\n"
    + '        op.create_index("ix_t", "tracks", ["title"], postgresql_concurrently=True)',
    "index on a table made in the same revision": '    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("v", sa.Text()))\n'
    + '    op.create_index("ix_t_v", "t", ["v"])',
    "not null with a default": TIMEOUTS
    + '    op.add_column("tracks", sa.Column("plays", sa.Integer(), nullable=False, server_default="0"))',
    "foreign key added not valid then validated": TIMEOUTS
    + '    op.create_foreign_key("fk_t", "tracks", "users", ["owner_id"], ["id"], postgresql_not_valid=True)\n'
    + '    op.execute("ALTER TABLE tracks VALIDATE CONSTRAINT fk_t")',
    "set not null after a validated check": TIMEOUTS
    + '    op.execute("ALTER TABLE tracks ADD CONSTRAINT ck_isrc CHECK (isrc IS NOT NULL) NOT VALID")\n'
    + '    op.execute("ALTER TABLE tracks VALIDATE CONSTRAINT ck_isrc")\n'
    + '    op.alter_column("tracks", "isrc", nullable=False)',
}


def write_revision(tmp_path: Path, body: str, opt_out: str = "") -> Path:
    path = tmp_path / "20990101_0000_lint_case.py"
    path.write_text(HEADER.format(body=body, opt_out=opt_out), encoding="utf-8")
    return path


def blocking_rules(path: Path) -> set[str]:
    return {f.rule for f in lint.lint_file(path) if f.blocking}


def test_every_revision_passes_the_migration_lint() -> None:
    findings = [f for f in lint.lint_revisions() if f.blocking]
    assert findings == [], [(f.revision, f.rule, f.statement) for f in findings]


def test_every_revision_renders_sql_for_the_lint_to_read() -> None:
    for revision in migrations.history():
        rendered = lint.render_upgrade_sql(Path(revision.path))
        # Some revisions only alter (a column type, a constraint): any DDL statement counts.
        assert re.search(r"\b(CREATE|ALTER|DROP)\b", rendered), revision.revision


@pytest.mark.parametrize("rule", sorted(UNSAFE))
def test_each_rule_flags_its_bad_revision_with_the_safe_alternative(
    tmp_path: Path, rule: str
) -> None:
    findings = lint.lint_file(write_revision(tmp_path, UNSAFE[rule]))
    flagged = [f for f in findings if f.rule == rule]
    assert flagged, [f.rule for f in findings]
    assert flagged[0].safe_alternative == lint.SAFE_ALTERNATIVES[rule]
    assert flagged[0].blocking


@pytest.mark.parametrize("case", sorted(SAFE))
def test_the_safe_form_of_each_operation_passes(tmp_path: Path, case: str) -> None:
    assert blocking_rules(write_revision(tmp_path, SAFE[case])) == set()


def test_plain_set_timeouts_still_count_as_timeouts_but_override_the_runner(
    tmp_path: Path,
) -> None:
    path = write_revision(
        tmp_path, PLAIN_SET_TIMEOUTS + '    op.add_column("tracks", sa.Column("note", sa.Text()))'
    )
    assert blocking_rules(path) == {"timeouts-override-runner"}


def test_a_downgrade_that_overrides_the_runner_timeouts_is_flagged(tmp_path: Path) -> None:
    path = write_revision(
        tmp_path, TIMEOUTS + '    op.add_column("tracks", sa.Column("note", sa.Text()))'
    )
    source = path.read_text(encoding="utf-8").replace(
        "def downgrade() -> None:\n    pass",
        "def downgrade() -> None:\n" + PLAIN_SET_TIMEOUTS + '    op.drop_column("tracks", "note")',
    )
    path.write_text(source, encoding="utf-8")
    assert blocking_rules(path) == {"timeouts-override-runner"}


def test_revision_timeouts_defer_to_a_runner_that_set_its_own(connection: Connection) -> None:
    statement = sql.revision_timeouts(lock_timeout="5s", statement_timeout="15min")
    with connection.begin():
        connection.execute(text(statement))
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "5s"
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "15min"
    with connection.begin():
        connection.execute(text("SET LOCAL lock_timeout = 200"))
        connection.execute(text("SET LOCAL statement_timeout = 1000"))
        connection.execute(text(f"SET LOCAL {sql.RUNNER_TIMEOUTS_SETTING} = 'on'"))
        connection.execute(text(statement))
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "200ms"
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "1s"


def test_an_opt_out_with_a_reason_allows_the_rule(tmp_path: Path) -> None:
    path = write_revision(
        tmp_path,
        UNSAFE["index-not-concurrent"],
        "# lint: allow index-not-concurrent -- tracks is empty in every deployment",
    )
    findings = lint.lint_file(path)
    assert [f.allowed_because for f in findings if f.rule == "index-not-concurrent"] == [
        "tracks is empty in every deployment"
    ]
    assert blocking_rules(path) == set()


def test_an_opt_out_without_a_reason_is_itself_flagged(tmp_path: Path) -> None:
    path = write_revision(tmp_path, UNSAFE["drop-column"], "# lint: allow drop-column")
    assert blocking_rules(path) == {"drop-column", "opt-out-without-reason"}


def test_an_opt_out_of_an_unknown_rule_is_flagged(tmp_path: Path) -> None:
    path = write_revision(
        tmp_path, UNSAFE["drop-column"], "# lint: allow drop-everything -- why not"
    )
    assert "opt-out-without-reason" in blocking_rules(path)


def test_semicolons_inside_quotes_and_dollar_bodies_do_not_split_statements() -> None:
    sql = "DO $$ BEGIN PERFORM 1; END $$; SELECT ';'; -- a; comment\nSELECT 2"
    assert lint.split_statements(sql) == ["DO $$ BEGIN PERFORM 1; END $$", "SELECT ';'", "SELECT 2"]


@given(st.text(max_size=300))
def test_any_text_splits_without_error_and_loses_no_statement_text(sql: str) -> None:
    pieces = lint.split_statements(sql)
    assert all(piece == " ".join(piece.split()) and piece for piece in pieces)
    findings = lint.lint_sql(";".join(pieces), revision="fuzz")
    assert {f.rule for f in findings} <= set(lint.RULES)


def test_migrate_lints_the_revision_it_writes_and_prints_the_safe_alternative(db_url: URL) -> None:
    engine = create_engine(db_url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX idx_tracks_isrc"))  # autogenerate will re-create it
    engine.dispose()
    env = {"DATABASE_URL": db_url.render_as_string(hide_password=False), "COLUMNS": "250"}
    before = set(migrations.MIGRATIONS_DIR.joinpath("versions").glob("*.py"))
    try:
        result = CliRunner().invoke(app, ["migrate", "-m", "lint probe"], env=env)
    finally:
        for made in set(migrations.MIGRATIONS_DIR.joinpath("versions").glob("*.py")) - before:
            made.unlink()
    assert result.exit_code == 1, result.output
    assert "index-not-concurrent" in result.output
    assert lint.SAFE_ALTERNATIVES["index-not-concurrent"] in " ".join(result.output.split())
