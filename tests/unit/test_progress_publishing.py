"""Completion and scores as the platform decides and stores them (issue 11, points 3, 4, 10).

The workbench runs the real edx-completion package (its CompletionService, its
``scorable_block_completion`` receiver, ``BlockCompletion``) and a stand-in grades app that
behaves like the LMS's (``tests/standin/grades.py``). ``OpenEdxPlatform`` itself is
tested with the platform modules it imports replaced in ``sys.modules``.
"""
import sys
import types
from datetime import timedelta

import pytest
from completion.models import BlockCompletion
from completion.services import CompletionService
from completion.waffle import ENABLE_COMPLETION_TRACKING_SWITCH
from edx_toggles.toggles.testutils import override_waffle_switch
from opaque_keys.edx.keys import CourseKey, UsageKey

from tests.standin import grades
from tests.standin.models import BlockScore
from tests.unit.test_attendance import USAGE, _completed, _scores, meeting  # noqa: F401
from tests.utils import COURSE, make_block, make_user
from zoom_xblock import platform, sweep
from zoom_xblock.models import Registration
from zoom_xblock.platform.openedx import OpenEdxPlatform
from zoom_xblock.webhooks import attendance

pytestmark = pytest.mark.django_db


def tracking_off():
    """edx-completion's switch off, as an operator may leave it (upstream default)."""
    return override_waffle_switch(ENABLE_COMPLETION_TRACKING_SWITCH, active=False)


# --- Point 3: completion is attendance's, never the platform's defaults -----------------------

def test_five_seconds_on_screen_do_not_complete_the_block():
    learner = make_user("ada")
    block = make_block(learner, title="Office hours")
    service = CompletionService(learner, CourseKey.from_string(COURSE))

    assert service.can_mark_block_complete_on_view(block) is False
    assert service.blocks_to_mark_complete_on_view([block]) == []


def test_a_score_signal_does_not_complete_the_block():
    learner = make_user("ada")
    # What the grades app sends for any score on the block; edx-completion's own receiver
    # (connected through its plugin configuration, as in the LMS) hears it.
    grades.SCORE_PUBLISHED.send(
        sender=None, block=grades.PublishedBlock(USAGE, weight=2.0), user=learner,
        raw_earned=2.0, raw_possible=2.0, only_if_higher=False, score_deleted=False,
        grader_response=None)

    assert BlockScore.objects.filter(user=learner, block_key=USAGE).exists()
    assert not BlockCompletion.objects.filter(user=learner).exists()


def test_the_block_is_scored_only_when_the_author_gave_a_weight():
    learner = make_user("ada")
    assert make_block(learner).has_score is False
    assert make_block(learner, weight=0).has_score is False
    assert make_block(learner, weight=2.5).has_score is True
    # The grades app keeps the block type in its structures (upstream possibly_scored).
    assert grades.possibly_scored(USAGE)


# --- Point 4: grades published as the platform publishes them from a worker ------------------

def test_a_hand_sent_score_without_a_modified_time_fails_as_in_the_lms():
    with pytest.raises(AttributeError):
        grades.PROBLEM_WEIGHTED_SCORE_CHANGED.send(
            sender=None, weighted_earned=1, weighted_possible=1, user_id=1,
            course_id=COURSE, usage_id=USAGE, modified=None, score_db_table="csm")


def test_the_stand_in_publishes_with_score_published_and_a_real_modified_time():
    learner = make_user("ada")
    heard = []

    def listener(sender, **kwargs):  # pylint: disable=unused-argument
        heard.append(kwargs)

    grades.PROBLEM_WEIGHTED_SCORE_CHANGED.connect(listener)
    try:
        platform.publish_grade(learner.id, USAGE, 2.0, 2.0)
    finally:
        grades.PROBLEM_WEIGHTED_SCORE_CHANGED.disconnect(listener)

    assert [(h["user_id"], h["usage_id"], h["weighted_earned"]) for h in heard] == [
        (learner.id, USAGE, 2.0)]
    assert heard[0]["modified"] is not None
    assert BlockScore.objects.get(user=learner, block_key=USAGE).earned == 2.0


class FakeModulestore:
    """``xmodule.modulestore.django.modulestore()``: hands out the published block."""

    def __init__(self, weight):
        self.weight, self.asked = weight, []

    def get_item(self, usage_key):
        self.asked.append(usage_key)
        return grades.PublishedBlock(usage_key, weight=self.weight)


@pytest.fixture
def lms_grades(monkeypatch):
    """The platform modules OpenEdxPlatform.publish_grade imports, at the import boundary:
    the grades API (answered by the stand-in grades app, which behaves like the LMS's) and
    the modulestore."""
    store = FakeModulestore(weight=2.0)
    api = types.ModuleType("lms.djangoapps.grades.api")
    api.signals = grades
    modulestore_module = types.ModuleType("xmodule.modulestore.django")
    modulestore_module.modulestore = lambda: store
    for name in ("xmodule", "xmodule.modulestore"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "xmodule.modulestore.django", modulestore_module)
    monkeypatch.setitem(sys.modules, "lms.djangoapps.grades.api", api)
    return store


def test_the_real_backend_sends_score_published_with_the_block_from_the_modulestore(lms_grades):
    learner = make_user("ada")
    sent = []

    def listener(sender, **kwargs):  # pylint: disable=unused-argument
        sent.append(kwargs)

    grades.SCORE_PUBLISHED.connect(listener)
    try:
        OpenEdxPlatform.publish_grade(learner.id, USAGE, 0, 2.0)
    finally:
        grades.SCORE_PUBLISHED.disconnect(listener)

    assert lms_grades.asked == [UsageKey.from_string(USAGE)]
    assert len(sent) == 1
    assert sent[0]["user"] == learner and str(sent[0]["block"].location) == USAGE
    assert (sent[0]["raw_earned"], sent[0]["raw_possible"]) == (0, 2.0)
    score = BlockScore.objects.get(user=learner, block_key=USAGE)
    assert (score.earned, score.possible) == (0, 2.0)


def test_the_real_backend_stores_completion_with_edx_completion():
    learner = make_user("ada")
    OpenEdxPlatform.publish_completion(learner.id, USAGE, 1.0)
    row = BlockCompletion.objects.get(user=learner)
    assert (str(row.block_key), row.completion) == (USAGE, 1.0)


def _attend(m, *people, minutes=40):
    m.room.start()
    for person in people:
        m.room.join(m.reg(person))
    m.room.advance(minutes)
    m.room.end()
    m.deliver_all()


def test_a_learner_whose_grade_fails_does_not_undo_the_session_or_the_others(meeting):  # noqa: F811 (the fixture)
    m = meeting()  # weight 2, 30 minutes needed

    def refuse_ada(sender, **kwargs):  # pylint: disable=unused-argument
        if kwargs["user_id"] == m.ada.id:
            raise TypeError("the grades app refused this score")

    grades.PROBLEM_WEIGHTED_SCORE_CHANGED.connect(refuse_ada, dispatch_uid="refuse_ada")
    try:
        _attend(m, m.ada, m.bob)
    finally:
        grades.PROBLEM_WEIGHTED_SCORE_CHANGED.disconnect(dispatch_uid="refuse_ada")

    session = m.refresh()
    assert session.live_status == "ended"
    assert _completed([m.ada.id, m.bob.id]) == {m.bob.id}  # Ada's savepoint rolled back
    assert _scores() == {m.bob.id: (2.0, 2.0), m.cy.id: (0.0, 2.0)}
    ada = m.reg(m.ada)
    assert ada.completed_at is not None and ada.progress_pending
    assert "refused this score" in ada.progress_error
    assert not m.reg(m.bob).progress_pending

    assert sweep.catch_up()["progress_republished"] == 1  # the sweep, once the LMS accepts

    ada = m.reg(m.ada)
    assert (ada.progress_pending, ada.progress_error) == (False, "")
    assert _completed([m.ada.id, m.bob.id]) == {m.ada.id, m.bob.id}
    assert _scores()[m.ada.id] == (2.0, 2.0)
    assert sweep.catch_up()["progress_republished"] == 0


def test_a_refused_grade_does_not_stop_the_report_sweep(meeting):  # noqa: F811 (the fixture)
    m = meeting()
    m.room.start()
    m.room.join(m.reg(m.ada))
    m.room.join(m.reg(m.bob))
    m.room.advance(35)
    m.room.end()
    lost = m.pending().index("meeting.participant_joined")  # Ada's join never arrives
    m.deliver_all(skip={lost})
    session = m.refresh()

    def refuse_ada(sender, **kwargs):  # pylint: disable=unused-argument
        if kwargs["user_id"] == m.ada.id:
            raise TypeError("the grades app refused this score")

    grades.PROBLEM_WEIGHTED_SCORE_CHANGED.connect(refuse_ada, dispatch_uid="refuse_ada")
    try:
        result = attendance.fetch_report(session.id, now=session.actual_end + timedelta(
            minutes=15))
    finally:
        grades.PROBLEM_WEIGHTED_SCORE_CHANGED.disconnect(dispatch_uid="refuse_ada")

    assert result["added"] == 2
    assert m.refresh().report_fetched_at is not None  # the report is not read again
    assert m.reg(m.ada).progress_pending and m.reg(m.ada).completed_at is not None
    assert sweep.catch_up()["progress_republished"] == 1
    assert _completed([m.ada.id, m.bob.id]) == {m.ada.id, m.bob.id}


# --- Point 10: completion tracking switched off ----------------------------------------------

def test_completion_is_not_published_when_tracking_is_off():
    learner = make_user("ada")
    with tracking_off():
        assert platform.completion_tracking_enabled() is False
        assert platform.publish_completion(learner.id, USAGE, 1.0) is False
    assert not BlockCompletion.objects.exists()
    assert platform.publish_completion(learner.id, USAGE, 1.0) is True
    assert BlockCompletion.objects.filter(user=learner).count() == 1


def test_settling_with_tracking_off_still_records_attendance_and_scores(meeting):  # noqa: F811 (the fixture)
    m = meeting()
    with tracking_off():
        _attend(m, m.ada)
    ada = m.reg(m.ada)
    assert ada.completed_at is not None and not ada.progress_pending
    assert not BlockCompletion.objects.exists()
    assert _scores()[m.ada.id] == (2.0, 2.0)
    assert Registration.objects.filter(progress_pending=True).count() == 0
