"""Column types shared by the models."""
import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Store naive UTC on every database; always hand back an aware UTC datetime."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def enum_column(enum_class: type[enum.Enum], length: int = 16) -> sa.Enum:
    """An enum kept as its lowercase value in a short string column (portable, readable)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def render_migration_item(type_, obj, autogen_context):
    """Write our column types into migrations as the plain SQLAlchemy types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


# The customer search index lives outside the models (migration 0005): an FTS5 table and its shadow
# tables on SQLite, a GIN index on PostgreSQL.
SEARCH_INDEX_OBJECTS = ("customer_search", "ix_customers_search_trigrams")


def include_schema_object(obj, name, type_, reflected, compare_to) -> bool:
    """What autogenerate compares: everything but the search index, which it would otherwise drop."""
    return not (reflected and compare_to is None and bool(name) and name.startswith(SEARCH_INDEX_OBJECTS))
