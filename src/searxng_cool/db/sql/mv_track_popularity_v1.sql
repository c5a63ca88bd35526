-- The spec's pre-calculated popularity, verbatim. The unique index on id lets it be
-- refreshed CONCURRENTLY (readers are never blocked by a refresh).
CREATE MATERIALIZED VIEW mv_track_popularity AS
SELECT
    t.id,
    t.title,
    t.artist_id,
    COUNT(DISTINCT ui.user_id) as unique_listeners,
    COUNT(ui.id) FILTER (WHERE ui.interaction_type = 'play') as total_plays,
    COUNT(ui.id) FILTER (WHERE ui.interaction_type = 'like') as total_likes,
    AVG(ui.play_duration_ms) FILTER (WHERE ui.interaction_type = 'play') as avg_play_duration
FROM tracks t
LEFT JOIN user_interactions ui ON t.id = ui.track_id
GROUP BY t.id, t.title, t.artist_id;

CREATE UNIQUE INDEX idx_mv_track_popularity_id ON mv_track_popularity (id);
