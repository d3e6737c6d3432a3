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
from shopledger.models.types import include_schema_object

MIGRATIONS = PROJECT_ROOT / "migrations"


def schema_differences(engine: sa.Engine) -> list:
    """Return what `flask db migrate` would write: the models compared with the database."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": include_schema_object})
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


def test_the_customer_search_index_follows_the_customers(app, db, make_shop):
    """The trigram index that search reads from is kept in step by the database itself (SQLite triggers,
    a PostgreSQL index), whatever writes the customers."""
    from shopledger.models import Customer

    shop = make_shop(name="Noor Tailors")
    db.session.execute(sa.insert(Customer).values(shop_id=shop.id, name="Zainab Bibi", name_folded="zainab bibi",
                                                  phone="+923001234567", phone_national="3001234567"))
    db.session.commit()
    if db.engine.dialect.name != "sqlite":
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_customers_search_trigrams'")) == 1
        return

    def found(column, text):
        return db.session.execute(sa.text(f"SELECT rowid FROM customer_search WHERE {column} LIKE :pattern"),
                                  {"pattern": f"%{text}%"}).scalars().all()

    zainab = db.session.scalar(sa.select(Customer.id).where(Customer.shop_id == shop.id))
    assert found("name_folded", "nab") == [zainab] and found("phone_national", "1234567") == [zainab]
    db.session.execute(sa.update(Customer).where(Customer.id == zainab).values(name_folded="zainab akhtar",
                                                                               phone_national="3219876543"))
    assert found("name_folded", "bibi") == [] and found("name_folded", "akhtar") == [zainab]
    assert found("phone_national", "1234567") == [] and found("phone_national", "9876") == [zainab]
    db.session.execute(sa.delete(Customer).where(Customer.id == zainab))
    assert found("name_folded", "akhtar") == []
    db.session.rollback()


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
