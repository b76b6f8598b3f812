"""Writing thousands of rows in a few statements, without the ORM's cost per value.

Django's ``bulk_create`` and ``bulk_update`` compile every value of every row into SQL one at a
time: for a course of 5,000 learners that CPU work takes longer than Zoom needs to register
them. Here the values are prepared once per distinct value and column (most columns of new
rows hold their default); new rows go in multi-row INSERT statements and updates in one
``executemany``. Each call commits its rows together.
"""
from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone


def _column(field, objs) -> list:
    """The database values of ``field`` for ``objs``, each distinct value prepared once."""
    memo, values = {}, []
    for obj in objs:
        value = getattr(obj, field.attname)
        try:
            values.append(memo[value])
        except KeyError:
            values.append(memo.setdefault(value, field.get_db_prep_save(value, connection)))
        except TypeError:  # a dict or list (JSON): not shared between rows
            values.append(field.get_db_prep_save(value, connection))
    return values


def _rows(fields, objs) -> list[list]:
    return [list(row) for row in zip(*(_column(field, objs) for field in fields), strict=True)]


def insert_new(objs, batch_size: int = 1000) -> int:
    """INSERT ``objs`` (all of one model) that do not break a unique constraint; those that do
    (a row another worker created meanwhile, an event Zoom sent again) are skipped, as
    ``bulk_create(ignore_conflicts=True)`` does. Returns how many rows were inserted; primary
    keys are not read back.

    Up to ``batch_size`` rows (fewer where the database limits a statement's parameters) go in
    one multi-row statement: atomic by itself, and in autocommit committed when it returns.
    More rows are committed together in one transaction.
    """
    objs = list(objs)
    if not objs:
        return 0
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    automatic = [f for f in fields if getattr(f, "auto_now", False)
                 or getattr(f, "auto_now_add", False)]
    now = timezone.now()
    for obj in objs:  # one "now" for the rows inserted together (auto_now, auto_now_add)
        for field in automatic:
            setattr(obj, field.attname, now)
    quote = connection.ops.quote_name
    head = (f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
            f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES ")
    one_row = f"({', '.join(['%s'] * len(fields))})"
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, objs)))
    chunks = [objs[start:start + size] for start in range(0, len(objs), size)]
    inserted = 0
    with (transaction.atomic(savepoint=False) if len(chunks) > 1 else nullcontext()), \
            connection.cursor() as cursor:
        for chunk in chunks:
            cursor.execute(head + ", ".join([one_row] * len(chunk)),
                           [value for row in _rows(fields, chunk) for value in row])
            inserted += max(cursor.rowcount, 0)
    return inserted


def update_fields(objs, field_names: list[str]) -> None:
    """Save ``field_names`` of saved ``objs`` (all of one model): one parameterised UPDATE per
    row, sent together and committed together (in autocommit each would wait for its own
    disk flush)."""
    objs = list(objs)
    if not objs:
        return
    meta = objs[0]._meta
    columns = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [row + [obj.pk] for row, obj in zip(_rows(columns, objs), objs, strict=True)]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, params)
