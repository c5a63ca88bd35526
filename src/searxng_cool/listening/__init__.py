"""Listening: the interaction log, popularity, user music profiles."""
