"""``manage.py lms zoom_account``: which Zoom account each course uses (operators only).

``list``: the site's accounts and the courses with an account of their own. ``show COURSE``:
the course's account and why. ``set COURSE ACCOUNT`` / ``clear COURSE``: choose the course's
own account, or go back to its organisation's (ORG_ACCOUNTS) or the site's; refused while the
course has a meeting in another account that is not over. ``migrate COURSE ACCOUNT``: move
anyway, by recreating those meetings in the new account and registering their learners again
(each gets a new link); prints every learner's new state.
"""
from django.core.management.base import BaseCommand, CommandError

from zoom_xblock import accounts
from zoom_xblock.models import CourseZoomAccount


class Command(BaseCommand):
    """Show or change the Zoom account of a course."""

    help = __doc__

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="the accounts and the courses' own choices")
        show = actions.add_parser("show", help="a course's account and why")
        show.add_argument("course")
        for name in ("set", "migrate"):
            action = actions.add_parser(name)
            action.add_argument("course")
            action.add_argument("account")
            action.add_argument("--note", default="")
        clear = actions.add_parser("clear", help="back to the organisation's or site's account")
        clear.add_argument("course")

    def handle(self, *args, **options):
        action = options["action"]
        try:
            if action == "list":
                self._list()
            elif action == "show":
                self._show(options["course"])
            elif action == "set":
                accounts.set_course_account(options["course"], options["account"],
                                            options["note"])
                self._show(options["course"])
            elif action == "clear":
                accounts.clear_course_account(options["course"])
                self._show(options["course"])
            else:
                self._migrate(options["course"], options["account"], options["note"])
        except (ValueError, accounts.UnknownAccount) as error:
            raise CommandError(str(error)) from None

    def _list(self):
        for name, account in accounts.configured_accounts().items():
            state = "ok" if account.is_configured else "missing " + ", ".join(
                account.missing_credentials)
            self.stdout.write(f"account {name}: {account.account_id or '-'} "
                              f"(plan {account.plan}; {state})")
        for row in CourseZoomAccount.objects.order_by("course_key"):
            self.stdout.write(f"course {row.course_key}: {row.account}")

    def _show(self, course):
        self.stdout.write(f"{course}: {accounts.course_account_name(course)} "
                          f"({accounts.course_account_source(course)})")

    def _migrate(self, course, account, note):
        from zoom_xblock.staff.account_moves import MoveRefused, migrate_course  # pylint: disable=import-outside-toplevel

        try:
            moved = migrate_course(course, account, note)
        except MoveRefused as error:
            raise CommandError(str(error)) from None
        failed = 0
        for entry in moved:
            self.stdout.write(f"{entry['title']}: meeting {entry['old_zoom_id']} -> "
                              f"{entry['zoom_id']} ({entry['status']}; sync {entry['sync']})")
            for email, state in entry["learners"]:
                self.stdout.write(f"  {email}: {state}")
            failed += entry["zoom_id"] is None or entry["status"] == "busy"
        self._show(course)
        self.stdout.write(f"{len(moved)} session(s) moved, {failed} not created yet.")
        if failed:
            raise CommandError(f"{failed} session(s) could not be created in {account}.",
                               returncode=1)
