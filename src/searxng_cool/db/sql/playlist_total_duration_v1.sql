-- playlists.total_duration_ms = sum of its tracks' duration_ms, kept by the database so that
-- every writer (services, bulk jobs, track merges, duration corrections) keeps it true.
-- Statement-level triggers with transition tables: one set-based UPDATE per statement,
-- however many rows it touched. A track without a known duration counts as 0.

CREATE OR REPLACE FUNCTION playlist_tracks_duration_after_insert()
RETURNS TRIGGER AS $$
BEGIN
    UPDATE playlists p
       SET total_duration_ms = p.total_duration_ms + added.delta
      FROM (SELECT n.playlist_id, sum(COALESCE(t.duration_ms, 0)) AS delta
              FROM new_rows n JOIN tracks t ON t.id = n.track_id
             GROUP BY n.playlist_id) AS added
     WHERE p.id = added.playlist_id AND added.delta <> 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION playlist_tracks_duration_after_delete()
RETURNS TRIGGER AS $$
BEGIN
    UPDATE playlists p
       SET total_duration_ms = p.total_duration_ms - removed.delta
      FROM (SELECT o.playlist_id, sum(COALESCE(t.duration_ms, 0)) AS delta
              FROM old_rows o JOIN tracks t ON t.id = o.track_id
             GROUP BY o.playlist_id) AS removed
     WHERE p.id = removed.playlist_id AND removed.delta <> 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Row level, because a column list (UPDATE OF ...) cannot have transition tables, and this
-- must not fire for position moves: only a changed track or playlist (a merge) matters.
CREATE OR REPLACE FUNCTION playlist_tracks_duration_after_update()
RETURNS TRIGGER AS $$
BEGIN
    UPDATE playlists p
       SET total_duration_ms = p.total_duration_ms - COALESCE(
               (SELECT duration_ms FROM tracks WHERE id = OLD.track_id), 0)
     WHERE p.id = OLD.playlist_id;
    UPDATE playlists p
       SET total_duration_ms = p.total_duration_ms + COALESCE(
               (SELECT duration_ms FROM tracks WHERE id = NEW.track_id), 0)
     WHERE p.id = NEW.playlist_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tracks_duration_after_update()
RETURNS TRIGGER AS $$
BEGIN
    UPDATE playlists p
       SET total_duration_ms = p.total_duration_ms + changed.delta
      FROM (SELECT pt.playlist_id,
                   sum(COALESCE(n.duration_ms, 0) - COALESCE(o.duration_ms, 0)) AS delta
              FROM new_rows n
              JOIN old_rows o ON o.id = n.id
              JOIN playlist_tracks pt ON pt.track_id = n.id
             WHERE n.duration_ms IS DISTINCT FROM o.duration_ms
             GROUP BY pt.playlist_id) AS changed
     WHERE p.id = changed.playlist_id AND changed.delta <> 0;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER playlist_tracks_duration_insert
    AFTER INSERT ON playlist_tracks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION playlist_tracks_duration_after_insert();

CREATE TRIGGER playlist_tracks_duration_delete
    AFTER DELETE ON playlist_tracks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION playlist_tracks_duration_after_delete();

CREATE TRIGGER playlist_tracks_duration_update
    AFTER UPDATE OF track_id, playlist_id ON playlist_tracks
    FOR EACH ROW
    WHEN (OLD.track_id IS DISTINCT FROM NEW.track_id
          OR OLD.playlist_id IS DISTINCT FROM NEW.playlist_id)
    EXECUTE FUNCTION playlist_tracks_duration_after_update();

CREATE TRIGGER tracks_duration_update
    AFTER UPDATE ON tracks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tracks_duration_after_update();
