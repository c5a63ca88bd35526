-- REFRESH MATERIALIZED VIEW needs the view's owner; this SECURITY DEFINER function lets the
-- application role refresh mv_track_popularity (and do nothing else as the owner).
-- CONCURRENTLY keeps readers unblocked but needs a populated view. Its search_path is
-- fixed; EXECUTE is revoked from PUBLIC by the revision and granted to the application
-- role by `init`.
CREATE OR REPLACE FUNCTION refresh_track_popularity(refresh_concurrently boolean)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF refresh_concurrently THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY public.mv_track_popularity;
    ELSE
        REFRESH MATERIALIZED VIEW public.mv_track_popularity;
    END IF;
END
$$;
