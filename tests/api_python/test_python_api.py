"""The public Python API: what docs/python_api.md shows is exported and runs as written."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from tests.catalog.ingest_helpers import ingest_records
from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "python_api.md"
AREAS = ("catalog", "listening", "playlists", "discovery", "accounts")


def example_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/python_api.md shows one complete example"
    return str(blocks[0])


def test_the_documented_example_imports_only_exported_names() -> None:
    for node in ast.walk(ast.parse(example_code())):
        if isinstance(node, ast.ImportFrom):
            assert node.module is not None
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert alias.name in module.__all__, f"{node.module}.{alias.name}"


@pytest.mark.parametrize("area", AREAS)
def test_every_exported_function_has_a_docstring(area: str) -> None:
    module = importlib.import_module(f"searxng_cool.{area}")
    assert module.__doc__
    for name in module.__all__:
        exported = getattr(module, name)
        assert exported.__doc__, f"searxng_cool.{area}.{name} has no docstring"


def test_the_documented_example_runs_against_a_real_database(
    engine: Engine, db_url: URL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_records(
        engine,
        tmp_path,
        [
            {
                "source_type": "spotify",
                "source_id": "4u7EnebtmKWzUH433cf5Qv",
                "kind": "track",
                "title": "Bohemian Rhapsody",
                "artist": "Queen",
                "album": "A Night at the Opera",
                "duration_ms": 354_320,
            }
        ],
    )
    monkeypatch.setenv("DATABASE_URL", db_url.render_as_string(hide_password=False))
    exec(compile(example_code(), str(DOC), "exec"), {})
    with engine.connect() as conn:
        plays = conn.execute(text("SELECT count(*) FROM user_interactions")).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM playlist_tracks")).scalar_one()
    assert (plays, entries) == (1, 1)
