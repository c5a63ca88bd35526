"""Playlists: ordered editing, collaboration, smart (rule) playlists."""
