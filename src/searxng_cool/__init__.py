"""SearXNG-Cool's music database: catalog, user activity, playlists, discovery.

An application opens one engine (`open_engine()`), and for each unit of work one
transaction (`with engine.begin() as connection:`), in which it calls the services of the
area packages: `catalog`, `listening`, `playlists`, `discovery`, `accounts`. Services
never commit; they raise the errors below, which say what was wrong and what to do.
See docs/python_api.md.
"""

from searxng_cool.db.engine import open_engine
from searxng_cool.errors import Conflict, Forbidden, InvalidInput, NotFound, SearxngCoolError

__version__ = "0.1.0"

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "SearxngCoolError",
    "open_engine",
]
