"""Schema migrations (Alembic) over every package's tables."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def all_models() -> None:
    """Import every module that defines tables, so SQLModel.metadata knows them all."""
    import api.models  # noqa: F401
    import clearing.claim_index  # noqa: F401
    import clearing.models  # noqa: F401
    import ledger.audit_outcomes  # noqa: F401
    import ledger.member_index  # noqa: F401
    import ledger.models  # noqa: F401
    import ledger.read_models  # noqa: F401
    import notary.case_access  # noqa: F401
    import notary.case_status  # noqa: F401
    import notary.compliance_models  # noqa: F401
    import notary.models  # noqa: F401
    import notary.repayment  # noqa: F401


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of `engine`'s database to `revision`."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
