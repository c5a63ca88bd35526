-- v2: SECURITY DEFINER, so the application role (which may not CREATE or ALTER anything)
-- can still have a month's partition made: the function runs as its owner, the schema's
-- owner, and does exactly this one thing. Its search_path is fixed so a caller cannot slip
-- its own objects in. EXECUTE is revoked from PUBLIC by the revision and granted to the
-- application role by `init` (docs/DATABASE.md, "Database roles").
--
-- Make sure the monthly partition `user_interactions_pYYYY_MM` holding the UTC month that
-- starts at `month_start` exists; true when it was created now.
--
-- Bounds are UTC instants, whatever the session's TimeZone. Rows of that month already in
-- the default partition are moved into the new one first: PostgreSQL refuses to attach a
-- partition whose range the default partition still holds rows for. The partition is made
-- with LIKE and then ATTACHed, so it gets the parent's indexes and foreign keys.
-- Rows moved between partitions directly do not fire the parent's statement triggers, so
-- the per-track counters (which count the parent's rows) are unchanged, as they should be.
CREATE OR REPLACE FUNCTION ensure_user_interactions_partition(month_start date)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    first_day constant date := date_trunc('month', month_start)::date;
    lower_bound constant timestamptz := first_day::timestamp AT TIME ZONE 'UTC';
    upper_bound constant timestamptz := (first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    partition_name constant text := 'user_interactions_p' || to_char(first_day, 'YYYY_MM');
BEGIN
    IF to_regclass(format('public.%I', partition_name)) IS NOT NULL THEN
        RETURN false;
    END IF;
    -- Two transactions making the same month wait for each other here instead of the
    -- second failing on a duplicate name. The check is repeated once the lock is held, as a
    -- query (a fresh snapshot): to_regclass's cached lookup may not see the other's commit.
    PERFORM pg_advisory_xact_lock(hashtext('ensure_user_interactions_partition'));
    IF EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relname = partition_name) THEN
        RETURN false;
    END IF;
    EXECUTE format(
        'CREATE TABLE public.%I (LIKE public.user_interactions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
        partition_name);
    IF to_regclass('public.user_interactions_default') IS NOT NULL THEN
        EXECUTE format(
            'WITH moved AS (DELETE FROM public.user_interactions_default'
            ' WHERE created_at >= $1 AND created_at < $2 RETURNING *)'
            ' INSERT INTO public.%I SELECT * FROM moved',
            partition_name)
        USING lower_bound, upper_bound;
    END IF;
    EXECUTE format(
        'ALTER TABLE public.user_interactions ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
        partition_name, lower_bound, upper_bound);
    RETURN true;
END
$$;
