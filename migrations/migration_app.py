"""The spec's Flask-Migrate entry point, over the package's Alembic revisions.

    FLASK_APP=migrations/migration_app.py flask db history
    FLASK_APP=migrations/migration_app.py flask db stamp <revision>

Same revisions, same env.py and same database, as the schema's owner (DATABASE_OWNER_URL
or the embedded cluster's owner role), as `db_cli.py upgrade`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from searxng_cool.admin.migrations import MIGRATIONS_DIR
from searxng_cool.config import load_settings
from searxng_cool.db.engine import resolve_url
from searxng_cool.db.models import Base


def create_app() -> Flask:
    settings = load_settings()
    app = Flask(__name__)
    url = resolve_url(settings.database.as_owner()).render_as_string(hide_password=False)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = settings.database.track_modifications
    db = SQLAlchemy(app, metadata=Base.metadata)
    Migrate(app, db, directory=str(MIGRATIONS_DIR))
    return app


app = create_app()
