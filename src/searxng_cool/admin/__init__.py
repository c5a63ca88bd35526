"""Operations services: migrations, database set-up, (later) backup, status, optimize, validation."""
