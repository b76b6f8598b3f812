"""Seed the demo: people, enrollments, a prerequisite subsection, and sandbox hosts.

Run at every ``make demo``: it creates what is missing and leaves what the demo changed
(a score recorded, a session edited) as it is. Sessions whose meeting the sandbox no longer
has (its state file was removed) are created in Zoom again, so that no block claims a
meeting that does not exist.
"""
import os

import requests
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from tests.standin import actions
from tests.standin.models import (
    CourseRole,
    Subsection,
    SubsectionProgress,
    UserPreference,
)
from zoom_xblock.platform import WORKBENCH_COURSE_KEY

WEEK1 = "block-v1:Demo+Zoom+2026+type@sequential+block@week1"
PEOPLE = [
    # username, e-mail, first, last, course role, enrolled, score in week 1
    ("author", "host@example.com", "Alex", "Author", CourseRole.INSTRUCTOR, False, None),
    # An instructor who is not the host: the webinar's panelist (Eurekos).
    ("ines", "ines@example.com", "Ines", "Instructor", CourseRole.INSTRUCTOR, False, None),
    # Course staff who is no Zoom user: the editor proposes the licensed instructor instead.
    ("sam", "sam@example.com", "Sam", "Staff", CourseRole.STAFF, False, None),
    ("ada", "ada@example.com", "Ada", "Lovelace", None, True, 90),
    ("grace", "grace@example.com", "Grace", "Hopper", None, True, 20),
    ("alan", "alan@example.com", "Alan", "Turing", None, True, 75),
    ("linus", "linus@example.com", "Linus", "Torvalds", None, False, None),
]


class Command(BaseCommand):
    """Create the demo course's people and progress (idempotent)."""

    help = __doc__

    def handle(self, *args, **options):
        users = get_user_model().objects
        Subsection.objects.get_or_create(
            usage_key=WEEK1,
            defaults={"course_key": WORKBENCH_COURSE_KEY, "display_name": "Week 1: Foundations"},
        )
        for username, email, first, last, role, enrolled, score in PEOPLE:
            user, created = users.get_or_create(
                username=username,
                defaults={"email": email, "first_name": first, "last_name": last},
            )
            if created:
                user.set_password("password")
                user.save()
            if role:
                CourseRole.objects.get_or_create(user=user, course_key=WORKBENCH_COURSE_KEY,
                                                 role=role)
            if enrolled:
                actions.enroll(user, WORKBENCH_COURSE_KEY)
            if score is not None:  # a score recorded in an earlier demo run stays
                SubsectionProgress.objects.get_or_create(
                    user=user, usage_key=WEEK1,
                    defaults={"score_percent": score, "completion_percent": 100},
                )
        # Grace reads her e-mails in French (the platform's pref-lang preference).
        UserPreference.objects.update_or_create(user=users.get(username="grace"), key="pref-lang",
                                                defaults={"value": "fr"})
        self.stdout.write("Demo people: " + ", ".join(p[0] for p in PEOPLE))
        sandbox = os.environ.get("ZOOM_XBLOCK_DEMO_SANDBOX_URL")
        if sandbox:
            response = requests.get(f"{sandbox}/_sandbox/state", timeout=10)
            response.raise_for_status()
            state = response.json()
            known = {item["id"] for item in state["meetings"] + state["webinars"]
                     if not item.get("deleted")}
            for usage_key in recreate_missing_meetings(known):
                self.stdout.write(f"Not in the sandbox any more, created again: {usage_key}")
        from zoom_xblock.management.client_logs import quiet_client_logs

        with quiet_client_logs(options["verbosity"]):  # the client's lines stay in the log
            self._ask_zoom_about_people()
        self._schedule_scenarios(users.get(username="author"))

    def _ask_zoom_about_people(self):
        """What the worker's refresh task does: the account's Webinar plan and the staff's
        licences, cached for the Studio editor (which never calls Zoom itself)."""
        from zoom_xblock.meeting import directory

        found = directory.refresh([p[1] for p in PEOPLE if p[4]])
        self.stdout.write(f"Zoom directory: {found}")

    def _schedule_scenarios(self, author):
        """Open each Zoom scenario once as the author: the block records its session, and the
        worker creates it in the sandbox (the same path as a course re-run's first use)."""
        from workbench.scenarios import get_scenarios

        from tests.project import studio
        from tests.project.runtime import StudioPreviewRuntime
        from zoom_xblock.models import ZoomSession

        for scenario_id, scenario in sorted(get_scenarios().items()):
            if scenario_id.startswith("zoom."):
                block = StudioPreviewRuntime(author).get_block(scenario.usage_id)
                block.render("author_view", {})
                studio.publish(studio.unit_of(scenario.usage_id))  # what learners see
                if ZoomSession.objects.filter(usage_key=str(scenario.usage_id)).exists():
                    self.stdout.write(f"Scheduled: {scenario.description}")
                else:
                    self.stdout.write(f"Empty, for the Studio editor: {scenario.description}")


def recreate_missing_meetings(known_ids: set[int]) -> list[str]:
    """Sessions whose Zoom meeting is not among ``known_ids`` start again from "not in Zoom
    yet": their learners' registrations are forgotten and the meeting is created anew (a
    worker picks the queued task up). Returns their usage keys."""
    from zoom_xblock import intents
    from zoom_xblock.models import Registration, ZoomSession

    Status = ZoomSession.Status
    lost = list(ZoomSession.objects.filter(zoom_id__isnull=False)
                .exclude(zoom_id__in=known_ids)
                .exclude(status__in=(Status.DELETING, Status.DELETED, Status.DELETED_IN_ZOOM)))
    for session in lost:
        Registration.objects.filter(session=session).update(
            state=Registration.State.PENDING, registrant_id="", join_url="", registered_at=None,
            waitlisted_at=None, attempts=0, last_error="", next_attempt_at=None)
        session.zoom_id, session.zoom_uuid, session.registration_url = None, "", ""
        session.status, session.synced_version, session.applied_settings = (
            Status.CREATING, 0, {})
        session.live_status = ZoomSession.LiveStatus.NOT_STARTED
        session.actual_start = session.actual_end = None
        session.desired_version += 1
        session.sync_requested_at = timezone.now()
        session.save()
        intents.queue_apply(session.id)
    return [session.usage_key for session in lost]
