"""The platform's own e-mails to learners (Eurekos), sent through edx-ace from workers:
registration confirmed, moved off the waitlist, rescheduled, cancelled, a reminder; in each
learner's language; each switchable for the site and the block; each event once."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.learning import BLOCK_FIELDS, learners, registration, schedule
from tests.standin.models import UserPreference
from tests.utils import enroll, make_block, make_user, render, unenroll
from zoom_xblock import platform, sweep, tasks
from zoom_xblock.learners import emails
from zoom_xblock.meeting import lifecycle, sessions
from zoom_xblock.models import LearnerMessage, Registration

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@mail"
ROOT = platform.lms_root_url()


def later(**delta):
    return timezone.now().replace(microsecond=0) + timedelta(**delta)


def scheduled(usage_key=USAGE, **values):
    """A session created in Zoom; the organizer's own e-mail is not what these tests read."""
    session = schedule(usage_key, **values)
    mail.outbox.clear()
    return session


def sync_task(session):
    """The sync as its Celery task runs it (it queues the e-mails afterwards)."""
    return tasks.sync_session(session.id, "test")


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def text_of(message) -> str:
    html = "".join(body for body, _type in getattr(message, "alternatives", []))
    return f"{message.subject}\n{message.body}\n{html}"


def test_a_registered_learner_is_told_once_with_the_plugins_join_link(zoom_sandbox):
    session = scheduled(USAGE, start=later(days=3))
    (ada,) = learners("ada")
    sync_task(session)

    (message,) = mail.outbox
    assert message.to == [ada.email] and message.subject.startswith("You are registered")
    text = text_of(message)
    row = registration(session, ada)
    assert f"{ROOT}/zoom/join/{USAGE}" in text
    assert f"{ROOT}/zoom/calendar/{USAGE}.ics" in text
    assert row.join_url not in text and "tk=" in row.join_url and "tk=" not in text
    sync_task(session)
    emails.dispatch(session.id)
    assert len(mail.outbox) == 1  # the same event never twice
    assert LearnerMessage.objects.get(user_id=ada.id).sent_at is not None


def test_each_learner_is_written_to_in_their_own_language(zoom_sandbox):
    session = scheduled(USAGE, start=later(days=3))
    ada, bob = learners("ada", "bob")
    UserPreference.objects.create(user=ada, key="pref-lang", value="fr")
    sync_task(session)
    assert "réunion" in mails_to(ada)[0].body  # the kind of session, in French
    assert "Zoom meeting" in mails_to(bob)[0].body


def test_a_learner_moved_off_the_waitlist_is_told(zoom_sandbox):
    session = scheduled(USAGE, start=later(days=3), capacity=1)
    ada, bob = learners("ada", "bob")
    sync_task(session)
    assert registration(session, bob).state == Registration.State.WAITLISTED
    assert mails_to(bob) == []  # nothing yet: still waiting
    unenroll(ada)
    sync_task(session)
    assert registration(session, bob).state == Registration.State.REGISTERED
    (promoted,) = mails_to(bob)
    assert promoted.subject.startswith("A place is yours")
    assert f"/zoom/join/{USAGE}" in promoted.body


def test_a_new_time_and_a_cancellation_reach_the_registered_learners(
        zoom_sandbox, django_capture_on_commit_callbacks):
    session = scheduled(USAGE, start=later(days=3))
    (ada,) = learners("ada")
    sync_task(session)
    values = {name: getattr(session, name) for name in sessions.DESIRED_FIELDS}
    values["start"] = later(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        sessions.save_desired(USAGE, session.course_key, values)
    assert [m.subject.split(":")[0] for m in mails_to(ada)] == ["You are registered",
                                                               "New time"]
    with django_capture_on_commit_callbacks(execute=True):
        sessions.save_desired(USAGE, session.course_key, {**values, "agenda": "Other words"})
    assert len(mails_to(ada)) == 2  # the agenda is not a new time
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.delete_session(USAGE)
    assert mails_to(ada)[-1].subject.startswith("Cancelled")
    emails.dispatch(session.id)
    assert len(mails_to(ada)) == 3


def test_a_reminder_comes_before_the_start(zoom_sandbox, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "LEARNER_REMINDER_MINUTES": 60}
    session = scheduled(USAGE, start=later(hours=3))
    (ada,) = learners("ada")
    sync_task(session)
    assert [m.subject.split(":")[0] for m in mails_to(ada)] == ["You are registered"]
    assert emails.due_sessions(timezone.now() + timedelta(hours=2, minutes=30)) == [
        session.id]
    emails.dispatch(session.id, now=timezone.now() + timedelta(hours=2, minutes=30))
    emails.dispatch(session.id, now=timezone.now() + timedelta(hours=2, minutes=45))
    assert [m.subject.split(":")[0] for m in mails_to(ada)] == ["You are registered",
                                                               "Starting soon"]


def test_join_sends_nothing_itself_and_the_sweep_catches_up(client, zoom_sandbox,
                                                          monkeypatch):
    session = scheduled(USAGE, start=later(minutes=10))
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()  # not synced yet
    queued = []
    # Tasks are eager in this tier: keep the ones the request queues, as a broker would.
    monkeypatch.setattr(tasks.send_learner_messages, "apply_async",
                        lambda args=(), **kw: queued.append(args))
    monkeypatch.setattr(tasks.sync_session, "apply_async",
                        lambda args=(), **kw: queued.append(args))
    client.force_login(ada)
    assert client.post(f"/zoom/join/{USAGE}").status_code == 302  # registered just in time
    assert mail.outbox == []  # never sent on a request path
    monkeypatch.undo()
    sweep.run()
    assert [m.to for m in mail.outbox].count([ada.email]) >= 1
    assert {m.subject.split(":")[0] for m in mails_to(ada)} == {"You are registered",
                                                                "Starting soon"}


def test_the_site_and_the_block_switch_each_kind(zoom_sandbox, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "LEARNER_EMAILS": "reminder,cancelled"}
    session = scheduled(USAGE, start=later(days=3))
    (ada,) = learners("ada")
    sync_task(session)
    assert mail.outbox == []  # confirmations are off for the site
    other = scheduled("block-v1:Demo+Zoom+2026+type@zoom+block@quiet", start=later(minutes=20),
                     learner_emails=[])
    sync_task(other)
    assert mail.outbox == []  # the block turned everything off
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "LEARNER_EMAILS": "registered"}
    third = scheduled("block-v1:Demo+Zoom+2026+type@zoom+block@loud", start=later(days=3),
                     learner_emails=["registered", "reminder"])
    bob = make_user("bob")
    enroll(bob)
    sync_task(third)
    assert set(LearnerMessage.objects.filter(session=third, sent_at__isnull=False).values_list(
        "user_id", "kind")) == {(ada.id, "registered"), (bob.id, "registered")}
    assert [m.subject.split(":")[0] for m in mails_to(bob)] == ["You are registered"]


def test_the_editor_lists_the_emails_and_says_whether_zooms_own_are_on(settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "LEARNER_EMAILS": "registered,reminder"}
    author = make_user("author", course_role="instructor")
    html = render(make_block(author, zoom_emails="true", **BLOCK_FIELDS), "studio_view")
    assert 'name="learner_email_registered" value="true" checked' in html
    assert 'name="learner_email_cancelled" value="true" disabled' in html
    assert "(turned off for the whole platform)" in html
    assert "Zoom's own e-mails are on for this session." in html
    assert "receive both" in html
    assert '<p class="zoom-field-help zoom-double-emails" role="status">' in html  # shown
    html = render(make_block(author, **BLOCK_FIELDS), "studio_view")
    assert "Zoom's own e-mails are off for this session." in html
    assert '<p class="zoom-field-help zoom-double-emails" role="status" hidden>' in html
    html = render(make_block(author, zoom_emails="true", learner_emails_off=["registered",
                  "reminder"], **BLOCK_FIELDS), "studio_view")
    assert '<p class="zoom-field-help zoom-double-emails" role="status" hidden>' in html


def test_the_editor_saves_the_blocks_choice(settings):
    from tests.utils import SANDBOX_CREDENTIALS, call_handler

    settings.ZOOM_XBLOCK = {"SYNC_DEBOUNCE_SECONDS": 0}
    author = make_user("author", course_role="instructor")
    block = make_block(author, studio=True, **BLOCK_FIELDS)
    status, body = call_handler(block, "studio_submit", {"learner_email_reminder": False})
    assert status == 200, body
    assert block.learner_emails_off == ["reminder"]
    session = sessions.session_for(platform.usage_key_for(block))
    draft = session.draft["learner_emails"]  # a Studio save is a draft until Publish
    assert "reminder" not in draft and "registered" in draft
    assert SANDBOX_CREDENTIALS  # (no Zoom needed: the organizer check is skipped unconfigured)


def test_course_staff_registered_at_join_get_no_learner_email(zoom_sandbox):
    session = scheduled(USAGE, start=later(days=3))
    staff = make_user("prof", course_role="staff")  # not enrolled
    Registration.objects.create(session=session, user_id=staff.id, email=staff.email,
                                state=Registration.State.REGISTERED, registered_at=later())
    assert emails.due_sessions() == [session.id]
    emails.dispatch(session.id)
    assert mails_to(staff) == []
    assert emails.due_sessions() == []  # the sweep does not come back for them
