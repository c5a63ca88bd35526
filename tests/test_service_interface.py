"""The shape every service keeps: one way to pass the database, one way down the layers.

Read from the source (AST), so a new function or import that breaks the shape fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "searxng_cool"
SERVICES = ("catalog", "listening", "playlists", "discovery", "accounts", "admin")
DOMAINS = ("catalog", "listening", "playlists", "discovery", "accounts")
DATABASE_TYPES = ("Connection", "Engine", "Session")


def modules(area: str) -> list[Path]:
    return sorted((PACKAGE / area).glob("*.py"))


def imported_modules(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def takes_the_database(function: ast.FunctionDef) -> bool:
    arguments = function.args
    every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    return any(
        a.annotation is not None
        and any(kind in ast.unparse(a.annotation) for kind in DATABASE_TYPES)
        for a in every
    )


@pytest.mark.parametrize("area", SERVICES)
def test_public_functions_take_the_connection_or_engine_first_and_the_rest_by_keyword(
    area: str,
) -> None:
    wrong = []
    for path in modules(area):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if not takes_the_database(node):
                continue
            positional = node.args.posonlyargs + node.args.args
            first = positional[0].arg if positional else None
            if first not in ("connection", "engine") or len(positional) != 1:
                wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert wrong == []


@pytest.mark.parametrize("area", SERVICES)
def test_no_service_uses_the_orm_session_or_imports_the_command_line(area: str) -> None:
    for path in modules(area):
        imported = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        assert "sqlalchemy.orm.Session" not in imported, path
        assert not any(m.startswith("searxng_cool.cli") for m in imported), path


@pytest.mark.parametrize("area", DOMAINS)
def test_domain_packages_do_not_import_admin(area: str) -> None:
    for path in modules(area):
        imported = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        assert not any(m.startswith("searxng_cool.admin") for m in imported), path


def test_interactions_are_inserted_by_the_listening_service_alone() -> None:
    writers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "INSERT INTO user_interactions" in path.read_text(encoding="utf-8")
        and "migrations" not in path.parts
    }
    assert writers == {"listening/recording.py"}
