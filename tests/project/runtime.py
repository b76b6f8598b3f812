"""A workbench runtime whose ``user`` service is the logged-in Django user, like the LMS's.

xblock-sdk's workbench takes the student from a ``?student=`` query parameter; the LMS takes
the person from the authenticated session. The tests check who can see what, so the project
serves the workbench through this runtime, which answers the same ``opt_attrs`` as the LMS.
"""
import gettext
from importlib import resources

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from workbench.runtime import WorkbenchRuntime
from xblock.field_data import FieldData
from xblock.fields import Scope
from xblock.reference.user_service import UserService, XBlockUser

from tests.standin.backend import StandInPlatform, is_course_staff


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

        xb_user = XBlockUser(is_current_user=True, emails=[user.email],
                             full_name=user.get_full_name())
        course_key = getattr(settings, "ZOOM_XBLOCK_WORKBENCH_COURSE_KEY",
                             platform.WORKBENCH_COURSE_KEY)
        # As common/djangoapps/xblock_django/user_service.py: ``user_is_staff`` is the
        # course-staff answer (lms/djangoapps/courseware/block_render.py: has_access(user,
        # 'staff', ...): course and org roles, global staff), ``user_is_global_staff`` the flag,
        # ``user_preferences`` the whitelisted preferences ('pref-lang', 'time_zone').
        if self._platform_attrs is None:
            preferences = {"time_zone": StandInPlatform.time_zone_preference(user.id)}
            self._platform_attrs = {
                "edx-platform.user_is_staff": (not self._view_as_learner
                                               and is_course_staff(user.id, course_key)),
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


class XBlockI18nService:
    """The LMS's and Studio's ``i18n`` service, as upstream ``xmodule/modulestore/django.py``
    ``XBlockI18nService`` builds it for a block: the catalog its package ships (domain ``text``
    in ``<root package>/translations``) for the active language, else Django's translations."""

    def __init__(self, block=None):
        self.translator = translation
        if block is not None:
            # upstream get_xblock_root_module_name: the unmixed class's top-level package
            package = getattr(block, "unmixed_class", type(block)).__module__.split(".")[0]
            language = translation.get_language() or settings.LANGUAGE_CODE
            # Upstream reads resources.files(package) / "translations"; the same folder, named
            # as a subpackage so that the editable install (which maps it) finds it too.
            try:
                with resources.as_file(resources.files(f"{package}.translations")) as directory:
                    self.translator = gettext.translation(
                        "text", str(directory), [translation.to_locale(language)])
            except (OSError, ModuleNotFoundError):
                pass  # no catalog for the language: Django's, as upstream

    def __getattr__(self, name):
        return getattr(self.translator, "gettext" if name == "ugettext" else name)


class PublishedFieldData(FieldData):
    """The LMS's view of a Zoom block: its settings from the published branch, the rest (user
    state) from the workbench's store. Studio's view (``branch="draft"``) is the store itself."""

    def __init__(self, store):
        self._store = store
        self._published = {}

    def _settings(self, block):
        from tests.standin import outline  # pylint: disable=import-outside-toplevel

        key = str(block.scope_ids.usage_id)
        if key not in self._published:
            self._published[key] = outline.published_fields(key)
        return self._published[key]

    def _published_view(self, block, name):
        field = block.fields.get(name)
        if field is None or field.scope != Scope.settings:
            return None
        return self._settings(block)

    def get(self, block, name):
        published = self._published_view(block, name)
        if published is None:
            return self._store.get(block, name)
        return published[name]  # KeyError: not set in the published block, so the default

    def set(self, block, name, value):
        self._store.set(block, name, value)

    def delete(self, block, name):
        self._store.delete(block, name)

    def has(self, block, name):
        published = self._published_view(block, name)
        return self._store.has(block, name) if published is None else name in published

    def default(self, block, name):
        return self._store.default(block, name)


class ZoomWorkbenchRuntime(WorkbenchRuntime):
    """The workbench runtime, with the Django user as the current user and the platform's
    ``i18n`` service.

    ``branch="published"`` is what the LMS shows (the workbench's LMS pages use it);
    ``branch="draft"`` (the default, and Studio's preview) is what Studio edits: see
    tests/project/studio.py."""

    def __init__(self, user=None, view_as_learner: bool = False, branch="draft"):
        student_id = str(user.id) if user is not None and user.is_authenticated else "anonymous"
        super().__init__(student_id)
        self._services["user"] = DjangoUserService(user, view_as_learner=view_as_learner)
        self.branch = branch
        if branch == "published":
            self._services["field-data"] = PublishedFieldData(self._services["field-data"])

    def get_block(self, usage_id, for_parent=None):
        block = super().get_block(usage_id, for_parent=for_parent)
        if block.scope_ids.block_type == "zoom":
            from tests.project import studio  # pylint: disable=import-outside-toplevel

            studio.register(block)  # a block loaded from XML is imported, published content
        return block

    def service(self, block, service_name):
        if service_name == "i18n" and block.service_declaration("i18n") is not None:
            return XBlockI18nService(block)
        return super().service(block, service_name)

    def handler_url(self, block, handler_name, suffix="", query="", thirdparty=False):
        url = super().handler_url(block, handler_name, suffix, query, thirdparty)
        # The user comes from the session, not from a ?student= parameter anyone could edit.
        return url.replace(f"?student={block.scope_ids.user_id}&", "?").replace(
            f"?student={block.scope_ids.user_id}", "")


class StudioPermissionsService:
    """Studio's ``studio_user_permissions`` service (upstream
    ``openedx/core/djangoapps/content/services.py`` ``StudioPermissionsService``): ``can_write``
    is ``has_studio_write_access`` (``common/djangoapps/student/auth.py``), granted to global
    staff and to the course's staff and instructors, answered per course."""

    def __init__(self, user):
        self._user = user

    def can_write(self, context_key) -> bool:
        """May the user change the course's content in Studio?"""
        user = self._user
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return user.is_staff or is_course_staff(user.id, str(context_key))

    def can_read(self, context_key) -> bool:
        """Studio read access: the same people here (no read-only course roles are seeded)."""
        return self.can_write(context_key)


class StudioPreviewRuntime(ZoomWorkbenchRuntime):
    """Studio's preview runtime, as ``cms/djangoapps/contentstore/views/preview.py``
    (``_prepare_runtime_for_preview``) builds it: ``is_author_mode`` for whoever is logged in
    (``preview_handler`` is only ``@login_required``), the ``studio_user_permissions`` service,
    and handler URLs under the preview handler."""

    is_author_mode = True

    def __init__(self, user=None):
        super().__init__(user)
        self._services["studio_user_permissions"] = StudioPermissionsService(user)

    def handler_url(self, block, handler_name, suffix="", query="", thirdparty=False):
        url = reverse("preview_handler", kwargs={
            "usage_id": str(block.scope_ids.usage_id), "handler_slug": handler_name,
            "suffix": suffix})
        return url + ("?" + query if query else "")
