"""Alembic migrations of the governance database (the only way its schema is created)."""
