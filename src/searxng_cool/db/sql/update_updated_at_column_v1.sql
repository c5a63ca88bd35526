-- The spec's automatic timestamp: every table with an updated_at column gets a
-- BEFORE UPDATE trigger calling this function (created by the migration per table).
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$ language 'plpgsql';
