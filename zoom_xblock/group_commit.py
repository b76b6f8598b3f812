"""Group commit: requests that arrive together share one database transaction.

A durable commit waits for the disk (InnoDB's ``innodb_flush_log_at_trx_commit=1``, the
default and Tutor's): one commit per request caps one process at a few hundred writes a
second, whatever the CPU. :class:`GroupCommit` is the database's own group commit at the
application level. The first request to arrive writes its row at once; the requests that
arrive while that write is under way wait for it to end, and the next of them writes all of
theirs in one transaction. Each request still returns only once its own row is committed, so
nothing is acknowledged that a crash could lose, and a request arriving alone waits for nobody.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class _Slot(Generic[Item]):
    __slots__ = ("item", "done", "outcome", "error")

    def __init__(self, item: Item):
        self.item = item
        self.done = False
        self.outcome = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Outcome]):
    """Write items in batches made of whatever arrived while the previous batch was written.

    ``write_batch(items)`` writes and commits a list of items and returns one outcome per
    item, in order; it runs in the thread of one of the waiting callers, on that thread's
    database connection, and must commit before it returns. If it raises, every caller of
    that batch gets the exception (nothing of the batch was committed).

    ``after_batch(items, outcomes)``, if given, runs after commits, outside the writer's lock
    (queueing work, say, so that it does not hold up the next writes). It too is shared: a
    call that starts after a batch was committed covers that batch, so batches committed
    while one call runs are covered together by the next; every committed item is passed to
    exactly one call that started after its commit.
    """

    def __init__(self, write_batch: Callable[[list[Item]], Sequence[Outcome]],
                 after_batch: Callable[[list[Item], Sequence[Outcome]], None] | None = None):
        self._write_batch = write_batch
        self._after_batch = after_batch
        self._unannounced: list[tuple[list, Sequence]] = []  # committed, after_batch not run
        self._after_lock = threading.Lock()
        self._waiting: list[_Slot] = []
        self._waiting_lock = threading.Lock()
        self._writer = threading.Lock()

    def submit(self, item: Item) -> Outcome:
        """Write ``item`` (alone or with others) and return its outcome once committed."""
        slot = _Slot(item)
        with self._waiting_lock:
            self._waiting.append(slot)
        written = None
        with self._writer:
            if not slot.done:  # nobody took it while we waited: write everything waiting
                with self._waiting_lock:
                    batch, self._waiting = self._waiting, []
                written = self._write(batch)
        if slot.error is not None:
            raise slot.error
        if written is not None and self._after_batch is not None:
            self._announce(written)
        return slot.outcome

    def _announce(self, written) -> None:
        with self._waiting_lock:
            self._unannounced.append(written)
        with self._after_lock:
            with self._waiting_lock:
                covered, self._unannounced = self._unannounced, []
            if covered:  # empty: a call that started after our commit already covered it
                self._after_batch([item for items, _ in covered for item in items],
                                  [outcome for _, outcomes in covered for outcome in outcomes])

    def _write(self, batch: list[_Slot]):
        items = [slot.item for slot in batch]
        try:
            outcomes = self._write_batch(items)
            if len(outcomes) != len(batch):
                raise RuntimeError("write_batch must return one outcome per item")
        except BaseException as error:  # pylint: disable=broad-except
            for slot in batch:
                slot.error, slot.done = error, True
            return None
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome, slot.done = outcome, True
        return items, outcomes
