"""Playlists: ordered editing, collaboration, smart (rule) playlists.

`manage` (create, rename, settings, delete), `editing` (add, remove, move,
reorder, dedupe), `collaboration` (grants), `reading` (what a viewer sees), `activity`
(version counter and log), `access` (the row lock and permission checks every edit starts
with), `rules` (the rule language) and `rule_sql` (its SQL), `smart` (set rules, refresh).
"""
