"""Alembic migrations for Verbinder (run them with ``verbinder db upgrade``)."""
