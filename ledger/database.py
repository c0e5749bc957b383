"""Database engines: SQLite by default, PostgreSQL by URL; the same code and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import create_engine


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    SQLite gets its directory created, WAL journaling and foreign keys, and may be used
    from several threads (the API and the workers share it).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def backend_name(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``."""
    return engine.dialect.name
