"""An in-memory stand-in for the platform's tables: querysets that count their queries.

Only what ``zoom_xblock/platform.py`` uses of the Django ORM is here (``filter`` with exact,
``__in``, ``__gt`` and related lookups, ``select_related``, ``order_by``, slicing, ``exists``,
``first``, ``values_list``). Every evaluation counts as one query on its table, as it would in
the LMS's MySQL; ``select_related`` costs nothing more, as a join does not.
"""
from collections import Counter

LOOKUPS = {
    "exact": lambda value, wanted: value == wanted,
    "in": lambda value, wanted: value in wanted,
    "gt": lambda value, wanted: value > wanted,
    "gte": lambda value, wanted: value >= wanted,
    "lte": lambda value, wanted: value <= wanted,
    "isnull": lambda value, wanted: (value is None) == wanted,
}


class Ledger:
    """Queries per table and calls per platform function since the last :meth:`reset`."""

    def __init__(self):
        self.queries, self.calls = Counter(), Counter()

    def query(self, table: str) -> None:
        self.queries[table] += 1

    def call(self, name: str) -> None:
        self.calls[name] += 1

    @property
    def total(self) -> int:
        return sum(self.queries.values())

    def reset(self) -> None:
        self.queries.clear()
        self.calls.clear()


LEDGER = Ledger()


def _value(row, path: str):
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def _matches(row, lookups: dict) -> bool:
    for key, wanted in lookups.items():
        path, _, operator = key.rpartition("__")
        if operator not in LOOKUPS or not path:
            path, operator = key, "exact"
        target = set(wanted) if operator == "in" else wanted
        if not LOOKUPS[operator](_value(row, path), target):
            return False
    return True


_USER_INDEX: dict[int, tuple[list, int, dict]] = {}


def _candidates(rows: list, lookups) -> list:
    """The rows a ``user_id`` / ``user_id__in`` lookup can match (an index, as the real
    tables have on user_id), else all rows."""
    for lookup in lookups:
        wanted = lookup.get("user_id__in", lookup.get("user_id"))
        if wanted is None:
            continue
        table, size, index = _USER_INDEX.get(id(rows), (None, -1, None))
        if table is not rows or size != len(rows):  # rows appended, or another table
            index = {}
            for row in rows:
                index.setdefault(row.user_id, []).append(row)
            _USER_INDEX[id(rows)] = (rows, len(rows), index)
        ids = wanted if "user_id__in" in lookup else [wanted]
        return [row for user_id in dict.fromkeys(ids) for row in index.get(user_id, [])]
    return rows


class QuerySet:
    """A lazy query over ``rows()``, evaluated (and counted) when iterated."""

    def __init__(self, table, rows, lookups=(), order=(), limit=None, fields=None, flat=False):
        self._table, self._rows, self._lookups = table, rows, tuple(lookups)
        self._order, self._limit, self._fields, self._flat = tuple(order), limit, fields, flat

    def _clone(self, **changes):
        values = {"lookups": self._lookups, "order": self._order, "limit": self._limit,
                  "fields": self._fields, "flat": self._flat, **changes}
        return QuerySet(self._table, self._rows, **values)

    def filter(self, **lookups):
        return self._clone(lookups=(*self._lookups, lookups))

    def all(self):
        return self._clone()

    def select_related(self, *_names):
        return self._clone()

    def order_by(self, *fields):
        return self._clone(order=fields)

    def values_list(self, *fields, flat=False):
        return self._clone(fields=fields, flat=flat)

    def __getitem__(self, item):
        if isinstance(item, slice) and item.start in (None, 0) and item.step is None:
            return self._clone(limit=item.stop)
        raise TypeError("the fake querysets only take [:n]")

    def _evaluate(self) -> list:
        LEDGER.query(self._table)
        rows = [row for row in _candidates(self._rows(), self._lookups)
                if all(_matches(row, f) for f in self._lookups)]
        for field in reversed(self._order):
            name = field.lstrip("-")
            rows.sort(key=lambda row, name=name: _value(row, name), reverse=field != name)
        if self._limit is not None:
            rows = rows[:self._limit]
        if self._fields:
            values = [tuple(_value(row, f) for f in self._fields) for row in rows]
            return [value[0] for value in values] if self._flat else values
        return rows

    def __iter__(self):
        return iter(self._evaluate())

    def exists(self) -> bool:
        return bool(self._clone(limit=1)._evaluate())

    def first(self):
        found = self._clone(limit=1)._evaluate()
        return found[0] if found else None

    def count(self) -> int:
        return len(self._evaluate())


class Manager(QuerySet):
    """``Model.objects``."""
