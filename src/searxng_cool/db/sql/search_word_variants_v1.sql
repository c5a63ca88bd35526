-- search_word_variants v1: every lexicon word under itself and its one-letter deletions,
-- for the typo tolerance's symmetric-delete lookup (`catalog/search_typos.py`). Words come
-- into `search_words` from the search index's refresh functions, several per statement,
-- so one statement-level trigger adds all their variants at once. Words leave only with a
-- rebuild (DELETE), and a second trigger removes their variants. (No foreign key: its
-- per-row checks made adding 2,000 words take a minute.)
-- Only words of 3 to 16 characters: typos are forgiven from 3 characters on, and longer
-- "words" are ids, hashes and run-together strings whose variants would outnumber the
-- real words' (a 32-character token has 33).
CREATE OR REPLACE FUNCTION search_word_variants_of(word text)
RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT word WHERE length(word) BETWEEN 3 AND 16
    UNION
    SELECT left(word, i - 1) || substr(word, i + 1)
      FROM generate_series(1, length(word)) AS i
     WHERE length(word) BETWEEN 3 AND 16
$$;

CREATE OR REPLACE FUNCTION search_word_variants_added()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO public.search_word_variants (variant, word)
    SELECT v, n.word FROM new_words n
     CROSS JOIN LATERAL public.search_word_variants_of(n.word) AS v
     ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER search_words_variants
    AFTER INSERT ON search_words
    REFERENCING NEW TABLE AS new_words
    FOR EACH STATEMENT EXECUTE FUNCTION search_word_variants_added();

CREATE OR REPLACE FUNCTION search_word_variants_removed()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM public.search_word_variants v USING old_words o WHERE v.word = o.word;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER search_words_variants_removed
    AFTER DELETE ON search_words
    REFERENCING OLD TABLE AS old_words
    FOR EACH STATEMENT EXECUTE FUNCTION search_word_variants_removed();
