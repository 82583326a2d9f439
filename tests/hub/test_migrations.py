"""The migrations build exactly the schema the models describe, on both databases, in
one line of revisions: a model changed without its migration (or two migrations
branching from one parent) fails here rather than on a center's hub."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import hub.storage.models  # noqa: F401  (every table module registers with Base)
from hub.storage.db import make_engine
from hub.storage.migrate import alembic_config, upgrade
from hub.storage.models import Base
from hub.wiring import build_hub  # noqa: F401  (imports the remaining model modules)


def test_the_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
    assert len(script.get_bases()) == 1


def test_the_migrated_schema_is_the_models_schema(database_url: str | None,
                                                  tmp_path: Path) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'schema.sqlite3'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
