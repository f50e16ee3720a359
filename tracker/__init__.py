"""The implementation project's state in the app DB (SQLAlchemy 2 + Alembic)."""
