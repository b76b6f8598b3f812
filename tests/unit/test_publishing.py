"""Zoom and learners follow the PUBLISHED block: drafts wait, discards vanish, deletions of a unit,
subsection or section reach every Zoom block inside, and the sweep catches what no event said.

Studio's actions go through the stand-in modulestore (tests/project/studio.py), which sends the
events upstream sends: XBLOCK_PUBLISHED for the published item, XBLOCK_DELETED for the deleted
item only, nothing for "Discard changes"."""
from datetime import timedelta

import pytest
import requests
from django.core import mail
from django.utils import timezone
from openedx_events.content_authoring.signals import XBLOCK_DELETED, XBLOCK_PUBLISHED

from tests.project import studio
from tests.project.runtime import StudioPreviewRuntime, ZoomWorkbenchRuntime
from tests.standin import outline
from tests.standin.models import OutlineItem
from tests.utils import COURSE, call_handler, enroll, make_block, make_user, render
from zoom_xblock import sweep, wording
from zoom_xblock.learners import sync
from zoom_xblock.models import Registration, SessionAlert, ZoomSession

pytestmark = pytest.mark.django_db

KEY = "block-v1:Demo+Zoom+2026+type@{}+block@{}"
SECTION, SUBSECTION, UNIT = KEY.format("chapter", "w1"), KEY.format("sequential", "s1"), KEY.format(
    "vertical", "u1")
FIELDS = {"title": "Office hours", "start_local": "2030-01-15T15:00", "timezone": "Europe/Paris",
          "host_email": "host@example.com", "duration_minutes": 60}
FORM = {"display_name": "Office hours", "kind": "meeting", "title": "Office hours, moved",
        "agenda": "", "start_date": "2030-02-01", "start_time": "10:00",
        "timezone": "Europe/Paris", "duration_minutes": "60", "host_email": "host@example.com",
        "alternative_hosts": "", "capacity": "", "join_window_minutes": "15",
        "prerequisite_usage_key": "", "prerequisite_min_score": "0",
        "prerequisite_min_completion": "0", "completion_threshold": "75", "weight": "",
        "zoom_emails": False, "auto_recording": "none"}


@pytest.fixture
def people():
    staff = make_user("teacher", course_role="staff")
    ada = make_user("ada")
    enroll(ada)
    return staff, ada


def _meetings(sandbox):
    return requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()["meetings"]


def _key(block) -> str:
    return str(block.scope_ids.usage_id)


def _outline():
    """A section > subsection > unit, as Studio's outline has them (all published)."""
    outline.add(SECTION, "chapter")
    outline.add(SUBSECTION, "sequential", SECTION)
    outline.add(UNIT, "vertical", SUBSECTION, published=True)


def _new_component(staff, unit=UNIT, **fields):
    """A Zoom component added to ``unit`` in Studio: in the draft branch only."""
    block = make_block(staff, studio=True, **{**FIELDS, **fields})
    OutlineItem.objects.filter(usage_key=_key(block)).update(
        draft_parent=unit, published_parent="", in_published=False)
    return block


def _learner_view(block, user) -> str:
    return render(ZoomWorkbenchRuntime(user, branch="published").get_block(
        block.scope_ids.usage_id))


def _studio_block(block, user):
    return StudioPreviewRuntime(user).get_block(block.scope_ids.usage_id)


def _published(staff, capture):
    """A component saved in Studio ("Office hours") and published in its unit."""
    block = make_block(staff, studio=True, **FIELDS)
    with capture(execute=True):
        assert call_handler(block, "studio_submit", {**FORM, "title": "Office hours",
                                                     "start_date": "2030-01-15",
                                                     "start_time": "15:00"})[0] == 200
        studio.publish(studio.unit_of(_key(block)))
    assert _meetings_count() == 1
    return block


def _meetings_count() -> int:
    return ZoomSession.objects.filter(status="scheduled").count()


# --- Drafts -------------------------------------------------------------------------------------

def test_a_new_component_saved_in_studio_waits_for_publish(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, ada = people
    _outline()
    block = _new_component(staff)
    with django_capture_on_commit_callbacks(execute=True):
        status, body = call_handler(block, "studio_submit", FORM)
        enroll(make_user("bob"))
    assert status == 200 and body["publication"]["published"] is False
    assert _meetings(zoom_sandbox) == []
    session = ZoomSession.objects.get()
    assert session.never_published and not Registration.objects.filter(session=session).exists()
    assert "Draft, not yet published" in render(block, "author_view")

    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(UNIT)

    (meeting,) = _meetings(zoom_sandbox)
    assert (meeting["topic"], meeting["start_time"]) == ("Office hours, moved",
                                                        "2030-02-01T09:00:00Z")
    session.refresh_from_db()
    assert session.status == "scheduled" and session.ancestors == [UNIT, SUBSECTION, SECTION]
    assert set(Registration.objects.filter(session=session).values_list("state", flat=True)) == {
        "registered"}
    html = render(_studio_block(block, staff), "author_view")
    assert "Published:" in html and "Draft, not yet published" not in html


def test_an_edit_reaches_zoom_and_learners_only_when_published(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, ada = people
    block = _published(staff, django_capture_on_commit_callbacks)
    session = ZoomSession.objects.get()
    before = session.start

    with django_capture_on_commit_callbacks(execute=True):
        assert call_handler(block, "studio_submit", FORM)[0] == 200

    (meeting,) = _meetings(zoom_sandbox)
    assert meeting["topic"] == "Office hours"
    session.refresh_from_db()
    assert (session.title, session.start) == ("Office hours", before)
    assert "Office hours, moved" not in _learner_view(block, ada)
    author = render(block, "author_view")
    assert "Draft, not yet published" in author and "title" in author and "start" in author

    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(studio.unit_of(_key(block)))

    assert _meetings(zoom_sandbox)[0]["topic"] == "Office hours, moved"
    assert "Office hours, moved" in _learner_view(block, ada)
    session.refresh_from_db()
    assert session.draft == {} and session.title == "Office hours, moved"


def test_discarded_changes_are_never_applied(zoom_sandbox, people,
                                             django_capture_on_commit_callbacks):
    staff, ada = people
    block = _published(staff, django_capture_on_commit_callbacks)
    unit = studio.unit_of(_key(block))
    with django_capture_on_commit_callbacks(execute=True):
        call_handler(block, "studio_submit", FORM)
    assert ZoomSession.objects.get().draft["title"] == "Office hours, moved"

    studio.discard(unit)  # no signal reaches the plugin
    reverted = _studio_block(block, staff)
    assert reverted.title == "Office hours"
    html = render(reverted, "author_view")
    assert "Published:" in html and "Draft, not yet published" not in html

    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(unit)  # publishing again, or the sweep, applies the published block only
        sweep.run()
    assert _meetings(zoom_sandbox)[0]["topic"] == "Office hours"
    assert ZoomSession.objects.get().title == "Office hours"


def test_the_sweep_applies_a_published_block_no_event_announced_and_keeps_the_draft(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, ada = people
    block = make_block(staff, studio=True, **FIELDS)  # imported content: published as it is
    with django_capture_on_commit_callbacks(execute=True):
        call_handler(block, "studio_submit", FORM)  # the first save: a draft
    assert _meetings(zoom_sandbox) == []

    with django_capture_on_commit_callbacks(execute=True):
        sweep.run()

    (meeting,) = _meetings(zoom_sandbox)
    assert meeting["topic"] == "Office hours"  # the published block, not the draft
    session = ZoomSession.objects.get()
    assert not session.never_published and session.draft["title"] == "Office hours, moved"
    assert Registration.objects.get(session=session, user_id=ada.id).state == "registered"
    assert "Draft, not yet published" in render(block, "author_view")


def test_a_session_whose_block_the_lms_cannot_load_is_not_visible_yet(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, ada = people
    _outline()
    block = _new_component(staff)  # in the draft branch only
    session = ZoomSession.objects.create(usage_key=_key(block), course_key=COURSE, title="Early",
                                         zoom_id=1, status="scheduled")
    result = sync.sync_session(session.id, "enrollment")
    assert "outcome" in result and not Registration.objects.filter(session=session).exists()
    assert "Not visible to learners yet" in wording.stored_text(session.sync_runs.get().message)


def test_publishing_an_unchanged_block_keeps_its_session_as_it_is(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, _ada = people
    block = _published(staff, django_capture_on_commit_callbacks)
    ZoomSession.objects.update(agenda="Accepted from Zoom")  # e.g. a change accepted from Zoom
    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(studio.unit_of(_key(block)))  # another component of the unit changed
        sweep.run()
    assert ZoomSession.objects.get().agenda == "Accepted from Zoom"
    html = render(_studio_block(block, staff), "author_view")  # nothing waits for Publish
    assert "Published:" in html and "Draft, not yet published" not in html


def test_the_sweep_applies_a_publish_whose_event_was_lost(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, _ada = people
    block = _published(staff, django_capture_on_commit_callbacks)
    item = OutlineItem.objects.get(usage_key=_key(block))
    item.published_fields = {**item.published_fields, "title": "Published, never announced"}
    item.save()
    with django_capture_on_commit_callbacks(execute=True):
        sweep.run()
    assert ZoomSession.objects.get().title == "Published, never announced"
    assert _meetings(zoom_sandbox)[0]["topic"] == "Published, never announced"


def test_the_stand_in_names_only_the_published_item(people):
    staff, _ada = people
    _outline()
    _new_component(staff)
    seen = []

    def listen(signal, sender, xblock_info, metadata, **kwargs):
        seen.append((str(xblock_info.usage_key), xblock_info.block_type))

    XBLOCK_PUBLISHED.connect(listen)
    try:
        studio.publish(UNIT)
    finally:
        XBLOCK_PUBLISHED.disconnect(listen)
    assert seen == [(UNIT, "vertical")]


# --- Deletion -----------------------------------------------------------------------------------

def _published_pair(staff, capture):
    _outline()
    blocks = [_new_component(staff, title=f"Session {n}") for n in (1, 2)]
    with capture(execute=True):
        for number, block in enumerate(blocks, 1):
            call_handler(block, "studio_submit", {**FORM, "title": f"Session {number}"})
        studio.publish(UNIT)
    assert ZoomSession.objects.filter(status="scheduled").count() == 2
    return blocks


def _deleted_events(action):
    seen = []

    def listen(signal, sender, xblock_info, metadata, **kwargs):
        seen.append(str(xblock_info.usage_key))

    XBLOCK_DELETED.connect(listen)
    try:
        action()
    finally:
        XBLOCK_DELETED.disconnect(listen)
    return seen


@pytest.mark.parametrize("deleted", [SECTION, SUBSECTION, UNIT])
def test_deleting_content_deletes_every_meeting_inside_it(
        zoom_sandbox, people, django_capture_on_commit_callbacks, deleted):
    staff, ada = people
    _published_pair(staff, django_capture_on_commit_callbacks)

    def delete():
        with django_capture_on_commit_callbacks(execute=True):
            studio.delete(deleted)

    assert _deleted_events(delete) == [deleted]  # the top item only, as upstream
    assert all(meeting["deleted"] for meeting in _meetings(zoom_sandbox))
    assert set(ZoomSession.objects.values_list("status", flat=True)) == {"deleted"}
    assert set(Registration.objects.values_list("state", flat=True)) == {"cancelled"}
    assert SessionAlert.objects.filter(kind="removed_from_course").count() == 2
    removed = [m for m in mail.outbox if "was removed from its course" in m.subject]
    assert [m.to for m in removed] == [["host@example.com"], ["host@example.com"]]
    assert "was deleted from the course" in removed[0].body


def test_deleting_the_course_deletes_its_meetings(zoom_sandbox, people,
                                                 django_capture_on_commit_callbacks):
    from zoom_xblock.apps import ZoomXBlockConfig

    cms = ZoomXBlockConfig.plugin_app["signals_config"]["cms.djangoapp"]["receivers"]
    assert {"receiver_func_name": "course_deleted", "dispatch_uid": "zoom_xblock.course_deleted",
            "signal_path": "xmodule.modulestore.django.COURSE_DELETED"} in cms
    staff, _ada = people
    _published_pair(staff, django_capture_on_commit_callbacks)

    def delete():
        with django_capture_on_commit_callbacks(execute=True):
            outline.delete_course("course-v1:Demo+Zoom+2026")

    assert _deleted_events(delete) == []  # no XBLOCK_DELETED at all for a course
    assert set(ZoomSession.objects.values_list("status", flat=True)) == {"deleted"}
    assert all(meeting["deleted"] for meeting in _meetings(zoom_sandbox))
    assert "The course was deleted." in SessionAlert.objects.first().message


def test_a_component_deleted_in_a_published_unit_keeps_its_meeting_until_publish(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, ada = people
    first, _second = _published_pair(staff, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        studio.delete(_key(first))  # the draft only: learners still see the published unit

    assert not any(meeting["deleted"] for meeting in _meetings(zoom_sandbox))
    session = ZoomSession.objects.get(usage_key=_key(first))
    assert session.status == "scheduled"
    assert Registration.objects.get(session=session, user_id=ada.id).state == "registered"

    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(UNIT)

    session.refresh_from_db()
    assert session.status == "deleted"
    assert Registration.objects.get(session=session, user_id=ada.id).state == "cancelled"
    assert [m["deleted"] for m in _meetings(zoom_sandbox)].count(True) == 1


def test_a_component_moved_out_of_a_published_unit_is_not_deleted_at_once(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, _ada = people
    first, _second = _published_pair(staff, django_capture_on_commit_callbacks)
    other = KEY.format("vertical", "u2")
    outline.add(other, "vertical", SUBSECTION)  # a new unit, not published yet
    OutlineItem.objects.filter(usage_key=_key(first)).update(draft_parent=other)  # Studio's move

    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(UNIT)  # the old unit no longer holds it; no XBLOCK_DELETED was sent

    session = ZoomSession.objects.get(usage_key=_key(first))
    assert session.status == "scheduled" and session.missing_since is not None
    with django_capture_on_commit_callbacks(execute=True):
        studio.publish(other)
    session.refresh_from_db()
    assert session.status == "scheduled" and session.missing_since is None
    assert session.ancestors == [other, SUBSECTION, SECTION]
    assert not any(meeting["deleted"] for meeting in _meetings(zoom_sandbox))


def test_the_sweep_deletes_a_session_gone_from_the_published_course_after_the_grace_period(
        zoom_sandbox, people, django_capture_on_commit_callbacks, settings):
    staff, ada = people
    _published_pair(staff, django_capture_on_commit_callbacks)
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "REMOVAL_GRACE_MINUTES": 60}
    OutlineItem.objects.all().delete()  # the course went away without a word to the plugin

    with django_capture_on_commit_callbacks(execute=True):
        sweep.run()
    assert set(ZoomSession.objects.values_list("status", flat=True)) == {"scheduled"}
    assert not any(meeting["deleted"] for meeting in _meetings(zoom_sandbox))
    assert ZoomSession.objects.filter(missing_since__isnull=False).count() == 2

    ZoomSession.objects.update(missing_since=timezone.now() - timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        sweep.run()

    assert set(ZoomSession.objects.values_list("status", flat=True)) == {"deleted"}
    assert all(meeting["deleted"] for meeting in _meetings(zoom_sandbox))
    assert set(Registration.objects.values_list("state", flat=True)) == {"cancelled"}
    (alert, _other) = SessionAlert.objects.filter(kind="removed_from_course")
    assert "has not been in the published course since" in alert.message


def test_a_session_back_in_the_published_course_is_no_longer_missing(
        zoom_sandbox, people, django_capture_on_commit_callbacks):
    staff, _ada = people
    _published_pair(staff, django_capture_on_commit_callbacks)
    ZoomSession.objects.update(missing_since=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        sweep.run()  # both are in the published course: nothing is deleted
    assert set(ZoomSession.objects.values_list("status", flat=True)) == {"scheduled"}
    assert not ZoomSession.objects.filter(missing_since__isnull=False).exists()
