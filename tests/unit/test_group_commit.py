"""Webhook intake commits events that arrive together in one transaction, and answers each
request only once its event is committed."""
import threading

import pytest

from zoom_xblock.group_commit import GroupCommit


class Recorder:
    """A ``write_batch`` whose first write is held until the test releases it."""

    def __init__(self, fail_on=None):
        self.batches, self.release, self.started = [], threading.Event(), threading.Event()
        self.fail_on = fail_on

    def __call__(self, items):
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.started.set()
            assert self.release.wait(30)
        if self.fail_on is not None and self.fail_on in items:
            raise RuntimeError("database went away")
        return [f"stored {item}" for item in items]


def _submit_all(group, items):
    answers, threads = {}, []

    def run(item):
        try:
            answers[item] = group.submit(item)
        except RuntimeError as error:
            answers[item] = error

    for item in items:
        thread = threading.Thread(target=run, args=(item,))
        thread.start()
        threads.append(thread)
    return answers, threads


def test_requests_arriving_during_a_commit_share_the_next_one():
    recorder = Recorder()
    group = GroupCommit(recorder)
    first, first_threads = _submit_all(group, ["first"])
    assert recorder.started.wait(30)
    answers, threads = _submit_all(group, [f"event {n}" for n in range(20)])
    while len(group._waiting) < 20:  # all twenty are waiting for the first commit
        threading.Event().wait(0.01)
    assert answers == {}  # nobody is answered before their event is committed
    recorder.release.set()
    for thread in first_threads + threads:
        thread.join(30)
    assert recorder.batches[0] == ["first"]
    assert sorted(recorder.batches[1]) == sorted(f"event {n}" for n in range(20))
    assert len(recorder.batches) == 2
    assert answers["event 7"] == "stored event 7" and first["first"] == "stored first"


def test_a_failed_commit_fails_every_request_of_its_batch_and_no_other():
    recorder = Recorder(fail_on="bad")
    group = GroupCommit(recorder)
    first, first_threads = _submit_all(group, ["first"])
    assert recorder.started.wait(30)
    answers, threads = _submit_all(group, ["bad", "neighbour"])
    while len(group._waiting) < 2:
        threading.Event().wait(0.01)
    recorder.release.set()
    for thread in first_threads + threads:
        thread.join(30)
    assert first["first"] == "stored first"
    assert isinstance(answers["bad"], RuntimeError)
    assert isinstance(answers["neighbour"], RuntimeError)  # same transaction, not committed
    assert group.submit("later") == "stored later"  # the next request is written anew


def test_a_request_alone_is_written_at_once():
    group = GroupCommit(lambda items: [len(items)] * len(items))
    assert [group.submit(n) for n in range(3)] == [1, 1, 1]


def test_write_batch_must_answer_every_item():
    group = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError):
        group.submit("x")


def test_work_after_commits_is_shared_and_covers_every_commit_once():
    """The step after a commit (queueing the apply task) runs outside the writes; commits
    made while it runs are covered together by the next run, each item exactly once."""
    held, release, calls = threading.Event(), threading.Event(), []

    def after(items, outcomes):
        calls.append(sorted(items))
        if len(calls) == 1:
            held.set()
            assert release.wait(30)

    written = []

    def write(items):
        written.extend(items)
        return list(items)

    group = GroupCommit(write, after_batch=after)
    first, first_threads = _submit_all(group, ["first"])
    assert held.wait(30)  # the first after-commit step is running, and stuck
    answers, threads = _submit_all(group, [f"event {n}" for n in range(12)])
    while len(written) < 13:  # their commits are done: writes do not wait for the step
        threading.Event().wait(0.01)
    assert answers == {}  # each wrote its own batch, so each waits for its own after-step
    release.set()
    for thread in first_threads + threads:
        thread.join(30)
    assert calls[0] == ["first"]
    later = [item for call in calls[1:] for item in call]
    assert sorted(later) == sorted(f"event {n}" for n in range(12))  # each exactly once
    assert len(calls) < 13  # shared, not one per commit
