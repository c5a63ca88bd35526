"""Alembic environment and revisions, inside the package so an installed copy can migrate."""
