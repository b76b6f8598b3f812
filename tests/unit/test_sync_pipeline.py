"""A sync sends the next batch while it saves the last answer, and never loses what Zoom did."""
import threading

import pytest

from zoom_xblock.learners import sync

pytestmark = pytest.mark.django_db  # each answer is saved in its own transaction


def test_the_next_call_is_on_its_way_while_the_last_answer_is_saved():
    second_sent = threading.Event()
    order = []

    def send(chunk):
        order.append(f"send {chunk}")
        if chunk == 2:
            second_sent.set()
        return chunk * 10

    def record(chunk, answer):
        if chunk == 1:  # saving the first answer: the second call is already out
            assert second_sent.wait(10)
        order.append(f"record {chunk}={answer.result()}")

    sync._one_ahead([1, 2, 3], send, record)
    assert [step for step in order if step.startswith("record")] == [
        "record 1=10", "record 2=20", "record 3=30"]
    assert order.index("send 2") < order.index("record 1=10")


def test_a_stop_still_records_the_batch_already_sent_and_sends_no_more():
    sent, recorded = [], []

    def send(chunk):
        sent.append(chunk)
        return f"Zoom registered batch {chunk}"

    def record(chunk, answer):
        recorded.append(answer.result())
        return sync.Interrupted("Zoom's daily limit", None) if chunk == 1 else None

    with pytest.raises(sync.Interrupted, match="daily limit"):
        sync._one_ahead([1, 2, 3, 4], send, record)
    assert recorded == ["Zoom registered batch 1", "Zoom registered batch 2"]
    assert sent == [1, 2]  # batch 2 had left before batch 1's answer said stop; 3 never did
