"""Alembic migrations: they run on SQLite and PostgreSQL and match the SQLModel tables."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from api.database import all_models, migrate
from ledger.database import make_engine


def test_migrations_create_every_table_and_match_the_models(engine):
    all_models()
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_migrating_twice_is_harmless(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
    engine.dispose()


def test_sqlite_file_and_directory_are_created(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'dir' / 'x.db'}")
    migrate(engine)
    assert (tmp_path / "deep" / "dir" / "x.db").is_file()
    engine.dispose()
