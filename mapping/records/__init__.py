"""The shared asset database: the asset model, its store (SQLite or PostgreSQL),
backups and geocoding of typed addresses."""
