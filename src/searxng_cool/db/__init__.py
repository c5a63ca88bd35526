"""Engine, embedded cluster, declared schema and the SQL that PostgreSQL owns."""
