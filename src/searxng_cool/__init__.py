"""SearXNG-Cool's music database: catalog, user activity, playlists, discovery."""

__version__ = "0.1.0"
