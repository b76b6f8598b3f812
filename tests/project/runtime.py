"""A workbench runtime whose ``user`` service is the logged-in Django user, like the LMS's.

xblock-sdk's workbench takes the student from a ``?student=`` query parameter; the LMS takes
the person from the authenticated session. The tests check who can see what, so the project
serves the workbench through this runtime, which answers the same ``opt_attrs`` as the LMS.
"""
from workbench.runtime import WorkbenchRuntime
from xblock.field_data import FieldData
from xblock.fields import Scope
from xblock.reference.user_service import UserService, XBlockUser

# Handlers that Studio calls on the draft block; every other handler is the LMS's.
STUDIO_HANDLERS = ("studio_submit", "retry_zoom")


class DjangoUserService(UserService):
    """The LMS's user service, backed by ``request.user``."""

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self._user = user

    def get_current_user(self):
        user = self._user
        if user is None or not user.is_authenticated:
            xb_user = XBlockUser(is_current_user=True)
            xb_user.opt_attrs["edx-platform.is_authenticated"] = False
            return xb_user
        xb_user = XBlockUser(is_current_user=True, emails=[user.email],
                             full_name=user.get_full_name())
        xb_user.opt_attrs.update({
            "edx-platform.user_id": user.id,
            "edx-platform.username": user.username,
            "edx-platform.user_is_staff": user.is_staff,
            "edx-platform.is_authenticated": True,
        })
        return xb_user


class PublishedFieldData(FieldData):
    """The LMS's view of a Zoom block: its settings from the published branch, the rest (user
    state) from the workbench's store. Studio's view (``branch="draft"``) is the store itself."""

    def __init__(self, store):
        self._store = store
        self._published = {}

    def _settings(self, block):
        from zoom_xblock.standalone import outline  # pylint: disable=import-outside-toplevel

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
    """The workbench runtime, with the Django user as the current user.

    ``branch="draft"`` (the default) is what Studio shows and edits; ``branch="published"`` is
    what the LMS shows (see tests/project/studio.py)."""

    def __init__(self, user=None, branch="draft"):
        student_id = str(user.id) if user is not None and user.is_authenticated else "anonymous"
        super().__init__(student_id)
        self._services["user"] = DjangoUserService(user)
        self.branch = branch
        if branch == "published":
            self._services["field-data"] = PublishedFieldData(self._services["field-data"])

    def get_block(self, usage_id, for_parent=None):
        block = super().get_block(usage_id, for_parent=for_parent)
        if block.scope_ids.block_type == "zoom":
            from tests.project import studio  # pylint: disable=import-outside-toplevel

            studio.register(block)
        return block

    def handler_url(self, block, handler_name, suffix="", query="", thirdparty=False):
        url = super().handler_url(block, handler_name, suffix, query, thirdparty)
        # The user comes from the session, not from a ?student= parameter anyone could edit.
        return url.replace(f"?student={block.scope_ids.user_id}&", "?").replace(
            f"?student={block.scope_ids.user_id}", "")
