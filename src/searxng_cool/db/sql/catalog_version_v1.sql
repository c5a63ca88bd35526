-- The catalog's version, bumped in the writing transaction by a statement trigger on each
-- catalog table: cache keys include it, so nothing cached before a change is served after.
-- SECURITY DEFINER: the application role writes the catalog, not this row directly.
CREATE OR REPLACE FUNCTION catalog_version_bump()
RETURNS TRIGGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
    -- The row appears with the first change (a fresh database's table is empty: 0).
    INSERT INTO public.catalog_version AS v (id, version, changed_at) VALUES (1, 1, now())
    ON CONFLICT (id) DO UPDATE SET version = v.version + 1, changed_at = now();
    RETURN NULL;
END;
$$;
