"""Persistence of the hub: SQLAlchemy 2 models, the engine, Alembic migrations."""
