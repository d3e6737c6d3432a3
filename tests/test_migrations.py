"""The migrations build exactly the models' schema, form one unbroken chain, and run down and up again."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from shopledger import PROJECT_ROOT, create_app
from shopledger.extensions import db as _db

MIGRATIONS = PROJECT_ROOT / "migrations"


def schema_differences(engine: sa.Engine) -> list:
    """Return what `flask db migrate` would write: the models compared with the database."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, _db.metadata)


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_migrations_from_empty_build_exactly_the_models_schema(app):
    # The app fixture builds its database by running every migration from empty (conftest._reset_schema).
    with app.app_context():
        dialect = _db.engine.dialect.name
        differences = schema_differences(_db.engine)
    assert differences == [], (
        f"models and migrations disagree on {dialect}: run `flask --app wsgi db migrate -m ...` and read the new file"
    )


def test_migrations_form_one_chain_with_one_head():
    script = script_directory()
    assert len(script.get_heads()) == 1, f"several heads {script.get_heads()}: merge them with `flask db merge`"
    assert len(script.get_bases()) == 1, f"several bases {script.get_bases()}"

    chain = list(script.walk_revisions("base", "heads"))  # head first; raises on a missing down_revision
    for newer, older in zip(chain, chain[1:]):
        assert newer.down_revision == older.revision, f"{newer.revision} does not follow {older.revision}"
    assert chain[-1].down_revision is None

    files = sorted(path.stem for path in (MIGRATIONS / "versions").glob("*.py"))
    assert len(chain) == len(files), f"revision files {files} but a chain of {[rev.revision for rev in chain]}"


def test_migrations_downgrade_to_base_and_upgrade_again(tmp_path, monkeypatch):
    # A scratch database and instance folder of its own: the shared test database must keep its schema.
    # create_app prefers the INSTANCE_PATH environment variable (which conftest sets) to its config.
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    scratch = create_app(
        {
            "TESTING": True,
            "SHOPLEDGER_ENV": "test",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with scratch.app_context():
        try:
            upgrade()
            downgrade(revision="base")
            assert sa.inspect(_db.engine).get_table_names() == ["alembic_version"]

            upgrade()
            assert schema_differences(_db.engine) == []
            head = script_directory().get_current_head()
            with _db.engine.connect() as connection:
                assert MigrationContext.configure(connection).get_current_revision() == head
        finally:
            _db.engine.dispose()
