-- Per-track counters, each rule written once:
--   track_play_counts_query(source)      how a set of interaction rows is summed per track
--   track_play_counters_merge(counts, d) how those sums are added to (d > 0) or taken from
--                                        (d < 0) the counters
--   track_play_counters_count(rel, d)    both, for a table whose rows join or leave
--                                        `user_interactions` without firing its triggers (a
--                                        partition detached, or one filled offline and attached)
--   track_play_counters_apply()          the statement triggers on `user_interactions`
-- Same definitions as mv_track_popularity: total_plays counts 'play', total_likes 'like', the
-- average play duration is play_duration_sum_ms / timed_plays.
--
-- The trigger runs the query itself (EXECUTE in its own body): transition tables are visible
-- only to the trigger function's own statements, not to a function it calls.
-- Counts are merged in track_id order, so two concurrent batches lock counters in the same
-- order and cannot deadlock on them.
CREATE OR REPLACE FUNCTION track_play_counts_query(source text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $fn$
SELECT format($q$
SELECT coalesce(array_agg(ROW(track_id, total_interactions, total_plays, total_likes,
                              play_duration_sum_ms, timed_plays, last_played_at)
                          ::track_play_counters ORDER BY track_id), '{}')
  FROM (SELECT track_id,
               count(*) AS total_interactions,
               count(*) FILTER (WHERE interaction_type = 'play') AS total_plays,
               count(*) FILTER (WHERE interaction_type = 'like') AS total_likes,
               coalesce(sum(play_duration_ms) FILTER (WHERE interaction_type = 'play'), 0)
                   AS play_duration_sum_ms,
               count(play_duration_ms) FILTER (WHERE interaction_type = 'play') AS timed_plays,
               max(created_at) FILTER (WHERE interaction_type = 'play') AS last_played_at
          FROM %s GROUP BY track_id) AS per_track
$q$, source)
$fn$;

CREATE OR REPLACE FUNCTION track_play_counters_merge(counts track_play_counters[], direction integer)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF direction > 0 THEN
        INSERT INTO track_play_counters AS c
               (track_id, total_interactions, total_plays, total_likes,
                play_duration_sum_ms, timed_plays, last_played_at)
        SELECT n.track_id, n.total_interactions, n.total_plays, n.total_likes,
               n.play_duration_sum_ms, n.timed_plays, n.last_played_at
          FROM unnest(counts) AS n
        ON CONFLICT (track_id) DO UPDATE
           SET total_interactions = c.total_interactions + EXCLUDED.total_interactions,
               total_plays = c.total_plays + EXCLUDED.total_plays,
               total_likes = c.total_likes + EXCLUDED.total_likes,
               play_duration_sum_ms = c.play_duration_sum_ms + EXCLUDED.play_duration_sum_ms,
               timed_plays = c.timed_plays + EXCLUDED.timed_plays,
               last_played_at = greatest(c.last_played_at, EXCLUDED.last_played_at);
    ELSE
        UPDATE track_play_counters AS c
           SET total_interactions = c.total_interactions - o.total_interactions,
               total_plays = c.total_plays - o.total_plays,
               total_likes = c.total_likes - o.total_likes,
               play_duration_sum_ms = c.play_duration_sum_ms - o.play_duration_sum_ms,
               timed_plays = c.timed_plays - o.timed_plays
          FROM unnest(counts) AS o
         WHERE c.track_id = o.track_id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION track_play_counters_count(rows_of regclass, direction integer)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    counts track_play_counters[];
BEGIN
    EXECUTE track_play_counts_query(rows_of::text) INTO counts;
    PERFORM track_play_counters_merge(counts, direction);
END
$$;

CREATE OR REPLACE FUNCTION track_play_counters_apply()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    counts track_play_counters[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM track_play_counters;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE track_play_counts_query('old_rows') INTO counts;
        PERFORM track_play_counters_merge(counts, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE track_play_counts_query('new_rows') INTO counts;
        PERFORM track_play_counters_merge(counts, 1);
    END IF;
    RETURN NULL;
END
$$;
