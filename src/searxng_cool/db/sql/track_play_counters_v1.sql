-- Per-track counters kept current by statement-level triggers with transition tables on the
-- partitioned parent `user_interactions`: one set-based upsert per statement (a COPY or an
-- INSERT ... SELECT of a million rows is one aggregate, not a million row triggers).
-- Same definitions as mv_track_popularity: total_plays counts 'play', total_likes 'like',
-- the average play duration is play_duration_sum_ms / timed_plays.
-- Rows are upserted in track_id order so two concurrent batches lock counters in the same
-- order and cannot deadlock on them.
CREATE OR REPLACE FUNCTION track_play_counters_apply()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM track_play_counters;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE track_play_counters AS c
           SET total_interactions = c.total_interactions - o.total_interactions,
               total_plays = c.total_plays - o.total_plays,
               total_likes = c.total_likes - o.total_likes,
               play_duration_sum_ms = c.play_duration_sum_ms - o.play_duration_sum_ms,
               timed_plays = c.timed_plays - o.timed_plays
          FROM (SELECT track_id,
                       count(*) AS total_interactions,
                       count(*) FILTER (WHERE interaction_type = 'play') AS total_plays,
                       count(*) FILTER (WHERE interaction_type = 'like') AS total_likes,
                       coalesce(sum(play_duration_ms) FILTER (WHERE interaction_type = 'play'), 0) AS play_duration_sum_ms,
                       count(play_duration_ms) FILTER (WHERE interaction_type = 'play') AS timed_plays
                  FROM old_rows GROUP BY track_id ORDER BY track_id) AS o
         WHERE c.track_id = o.track_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO track_play_counters AS c
               (track_id, total_interactions, total_plays, total_likes,
                play_duration_sum_ms, timed_plays, last_played_at)
        SELECT track_id,
               count(*),
               count(*) FILTER (WHERE interaction_type = 'play'),
               count(*) FILTER (WHERE interaction_type = 'like'),
               coalesce(sum(play_duration_ms) FILTER (WHERE interaction_type = 'play'), 0),
               count(play_duration_ms) FILTER (WHERE interaction_type = 'play'),
               max(created_at) FILTER (WHERE interaction_type = 'play')
          FROM new_rows GROUP BY track_id ORDER BY track_id
        ON CONFLICT (track_id) DO UPDATE
           SET total_interactions = c.total_interactions + EXCLUDED.total_interactions,
               total_plays = c.total_plays + EXCLUDED.total_plays,
               total_likes = c.total_likes + EXCLUDED.total_likes,
               play_duration_sum_ms = c.play_duration_sum_ms + EXCLUDED.play_duration_sum_ms,
               timed_plays = c.timed_plays + EXCLUDED.timed_plays,
               last_played_at = greatest(c.last_played_at, EXCLUDED.last_played_at);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER track_play_counters_on_insert
    AFTER INSERT ON user_interactions REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION track_play_counters_apply();
CREATE TRIGGER track_play_counters_on_update
    AFTER UPDATE ON user_interactions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION track_play_counters_apply();
CREATE TRIGGER track_play_counters_on_delete
    AFTER DELETE ON user_interactions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION track_play_counters_apply();
CREATE TRIGGER track_play_counters_on_truncate
    AFTER TRUNCATE ON user_interactions
    FOR EACH STATEMENT EXECUTE FUNCTION track_play_counters_apply();

-- Counters for the history already there (run after the triggers exist, in the same
-- transaction, whose trigger creation locks out concurrent writers until commit).
INSERT INTO track_play_counters
       (track_id, total_interactions, total_plays, total_likes,
        play_duration_sum_ms, timed_plays, last_played_at)
SELECT track_id,
       count(*),
       count(*) FILTER (WHERE interaction_type = 'play'),
       count(*) FILTER (WHERE interaction_type = 'like'),
       coalesce(sum(play_duration_ms) FILTER (WHERE interaction_type = 'play'), 0),
       count(play_duration_ms) FILTER (WHERE interaction_type = 'play'),
       max(created_at) FILTER (WHERE interaction_type = 'play')
  FROM user_interactions GROUP BY track_id;
