"""Read one row into a model instance with a prepared SELECT, for the hottest pages.

The ORM compiles every query anew, which costs about a millisecond of CPU here, more
than the round trip to PostgreSQL. Casting a ballot reads the same few rows on every
request (the cycle, the voter's census entry), so those reads use a SELECT written once
per model from its fields: the instance is built with ``Model.from_db`` and the field
converters the ORM would apply, so it is the instance ``Model.objects.get`` gives.
tests/pbudget/test_fastread.py compares the two field by field.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Model

from pbudget.db import bound_cursor


@cache
def _shape(model: type[Model], alias: str) -> tuple[list[str], str, list]:
    """The attribute names, the SELECT list and the converters of ``model``'s columns."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(field.column)}" for field in fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return [field.attname for field in fields], columns, converters


def table(model: type[Model]) -> str:
    """``model``'s table name, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def columns(model: type[Model], alias: str) -> str:
    """``alias.col1, alias.col2, …``: every concrete column of ``model``, in field order."""
    return _shape(model, alias)[1]


def width(model: type[Model]) -> int:
    """How many columns ``columns`` selects for ``model``."""
    return len(model._meta.concrete_fields)


def build(model: type[Model], alias: str, values) -> Model:
    """An instance of ``model`` from the values ``columns(model, alias)`` selected."""
    names, _columns, converters = _shape(model, alias)
    if converters:
        values = list(values)
        for index, found, expression in converters:
            for converter in found:
                values[index] = converter(values[index], expression, connection)
    return model.from_db(connection.alias, names, values)


def one(model: type[Model], where: str, params) -> Model | None:
    """The first ``model`` row matching the SQL condition ``where`` (columns as ``t.x``)."""
    # Table and column names come from the model, ``where`` from the calling code; values
    # are always parameters.
    sql = f"SELECT {columns(model, 't')} FROM {table(model)} t WHERE {where} LIMIT 1"  # noqa: S608
    with bound_cursor() as cursor:  # the signed-in user's id stays out of pg_stat_activity
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else build(model, "t", row)
