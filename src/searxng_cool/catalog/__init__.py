"""The canonical catalog: ingest with entity resolution across sources, and search."""
