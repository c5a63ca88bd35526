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
    UPDATE public.catalog_version SET version = version + 1, changed_at = now() WHERE id = 1;
    RETURN NULL;
END;
$$;
