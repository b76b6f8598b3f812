"""A workbench runtime whose ``user`` service is the logged-in Django user, like the LMS's.

xblock-sdk's workbench takes the student from a ``?student=`` query parameter; the LMS takes
the person from the authenticated session. The tests check who can see what, so the project
serves the workbench through this runtime, which answers the same ``opt_attrs`` as the LMS.
"""
from django.conf import settings
from workbench.runtime import WorkbenchRuntime
from xblock.reference.user_service import UserService, XBlockUser


class DjangoUserService(UserService):
    """The LMS's user service, backed by ``request.user``."""

    def __init__(self, user, view_as_learner: bool = False, **kwargs):
        super().__init__(**kwargs)
        self._user = user
        # Staff "View as: Learner" (lms/djangoapps/courseware/masquerade.py): the runtime's
        # course-staff answer is then False, as block_render.py computes it under masquerade.
        self._view_as_learner = view_as_learner
        self._platform_attrs = None  # the LMS computes them once per runtime (block_render.py)

    def get_current_user(self):
        user = self._user
        if user is None or not user.is_authenticated:
            xb_user = XBlockUser(is_current_user=True)
            xb_user.opt_attrs["edx-platform.is_authenticated"] = False
            return xb_user
        from zoom_xblock import platform  # pylint: disable=import-outside-toplevel
        from zoom_xblock.standalone import api  # pylint: disable=import-outside-toplevel

        xb_user = XBlockUser(is_current_user=True, emails=[user.email],
                             full_name=user.get_full_name())
        course_key = getattr(settings, "ZOOM_XBLOCK_WORKBENCH_COURSE_KEY",
                             platform.WORKBENCH_COURSE_KEY)
        # As common/djangoapps/xblock_django/user_service.py: ``user_is_staff`` is the
        # course-staff answer (lms/djangoapps/courseware/block_render.py: has_access(user,
        # 'staff', ...): course and org roles, global staff), ``user_is_global_staff`` the flag,
        # ``user_preferences`` the whitelisted preferences ('pref-lang', 'time_zone').
        if self._platform_attrs is None:
            preferences = {"time_zone": api.time_zone_preference(user)}
            self._platform_attrs = {
                "edx-platform.user_is_staff": (not self._view_as_learner
                                               and api.is_course_staff(user.id, course_key)),
                "edx-platform.user_preferences": {k: v for k, v in preferences.items() if v},
            }
        xb_user.opt_attrs.update({
            "edx-platform.user_id": user.id,
            "edx-platform.username": user.username,
            "edx-platform.user_is_global_staff": user.is_staff,
            "edx-platform.is_authenticated": True,
            **self._platform_attrs,
        })
        return xb_user


class ZoomWorkbenchRuntime(WorkbenchRuntime):
    """The workbench runtime, with the Django user as the current user."""

    def __init__(self, user=None, view_as_learner: bool = False):
        student_id = str(user.id) if user is not None and user.is_authenticated else "anonymous"
        super().__init__(student_id)
        self._services["user"] = DjangoUserService(user, view_as_learner=view_as_learner)

    def handler_url(self, block, handler_name, suffix="", query="", thirdparty=False):
        url = super().handler_url(block, handler_name, suffix, query, thirdparty)
        # The user comes from the session, not from a ?student= parameter anyone could edit.
        return url.replace(f"?student={block.scope_ids.user_id}&", "?").replace(
            f"?student={block.scope_ids.user_id}", "")
