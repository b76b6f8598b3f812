"""Seed the demo: people, enrollments, a prerequisite subsection, and sandbox hosts."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from zoom_xblock.platform import WORKBENCH_COURSE_KEY
from zoom_xblock.standalone import api as platform_standin
from zoom_xblock.standalone.models import CourseRole, Subsection, SubsectionProgress

WEEK1 = "block-v1:Demo+Zoom+2026+type@sequential+block@week1"
PEOPLE = [
    # username, e-mail, first, last, course role, enrolled, score in week 1
    ("author", "host@example.com", "Alex", "Author", CourseRole.INSTRUCTOR, False, None),
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
                platform_standin.enroll(user, WORKBENCH_COURSE_KEY)
            if score is not None:
                SubsectionProgress.objects.update_or_create(
                    user=user, usage_key=WEEK1,
                    defaults={"score_percent": score, "completion_percent": 100},
                )
        self.stdout.write("Demo people: " + ", ".join(p[0] for p in PEOPLE))
        self._schedule_scenarios(users.get(username="author"))

    def _schedule_scenarios(self, author):
        """Open each Zoom scenario once as the author: the block records its session, and the
        worker creates it in the sandbox (the same path as a course re-run's first use)."""
        from workbench.scenarios import get_scenarios

        from tests.project.runtime import StudioPreviewRuntime

        for scenario_id, scenario in sorted(get_scenarios().items()):
            if scenario_id.startswith("zoom."):
                block = StudioPreviewRuntime(author).get_block(scenario.usage_id)
                block.render("author_view", {})
                self.stdout.write(f"Scheduled: {scenario.description}")
