"""The customer search index on SQLite: an FTS5 table with the trigram tokenizer over customers' folded
names and national phone numbers (PostgreSQL uses a pg_trgm GIN index instead; see migration 0005).

It is an external-content table: it keeps only the trigram index and reads the text from customers.
Triggers on customers keep it in step with every write, the app's and any other. A migration that
rebuilds the customers table in SQLite's batch mode drops those triggers with the old table, so every
`flask db upgrade` ends by calling `ensure_search_index`, which puts back what is missing.
"""
from __future__ import annotations

import sqlalchemy as sa

TABLE = "customer_search"

CREATE_TABLE = (
    "CREATE VIRTUAL TABLE customer_search USING fts5("
    "name_folded, phone_national, content='customers', content_rowid='id', tokenize='trigram')"
)
_ADD = ("INSERT INTO customer_search (rowid, name_folded, phone_national) "
        "VALUES (new.id, new.name_folded, new.phone_national);")
_REMOVE = ("INSERT INTO customer_search (customer_search, rowid, name_folded, phone_national) "
           "VALUES ('delete', old.id, old.name_folded, old.phone_national);")
TRIGGERS = {
    "customers_search_insert": f"AFTER INSERT ON customers BEGIN {_ADD} END",
    "customers_search_delete": f"AFTER DELETE ON customers BEGIN {_REMOVE} END",
    "customers_search_update": f"AFTER UPDATE OF name_folded, phone_national ON customers BEGIN {_REMOVE} {_ADD} END",
}


def create_search_index(connection: sa.Connection) -> None:
    """Make the table and its triggers and fill it from customers (migration 0005, upgrading)."""
    connection.exec_driver_sql(CREATE_TABLE)
    ensure_search_index(connection)


def drop_search_index(connection: sa.Connection) -> None:
    for name in TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


def ensure_search_index(connection: sa.Connection) -> bool:
    """Where the search table exists, put back any missing trigger and then rebuild the index from
    customers (writes made without the trigger are not in it). Return whether anything was missing."""
    if connection.dialect.name != "sqlite":
        return False
    present = set(connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
        "AND (name = 'customer_search' OR tbl_name = 'customers')").scalars())
    if TABLE not in present:
        return False
    missing = [name for name in TRIGGERS if name not in present]
    for name in missing:
        connection.exec_driver_sql(f"CREATE TRIGGER {name} {TRIGGERS[name]}")
    if missing:
        connection.exec_driver_sql("INSERT INTO customer_search (customer_search) VALUES ('rebuild')")
    return bool(missing)
