"""The Open edX platform, faked at the import boundary of ``zoom_xblock/platform.py``.

xblock-lti-consumer tests its ``plugin/compat.py`` by patching the platform functions it
imports; here the platform modules themselves are replaced in ``sys.modules`` (exactly the
names ``OpenEdxPlatform`` imports), with functions of the REAL upstream signatures, so that
``OpenEdxPlatform`` runs unchanged. Each fake names the upstream file it follows. Tables are
in memory (:mod:`tests.openedx_fakes.db`) and every evaluation counts as one query, so a test
can say "one query per batch"; users are Django's own (``auth_user`` in the test database,
counted by Django).

    state = install(monkeypatch)   # in a test: see the ``openedx`` fixture
    state.add_course("course-v1:Org+C+1"); state.enroll(user, "course-v1:Org+C+1")
"""
import importlib
import sys
import types

from tests.openedx_fakes import state as _state
from tests.openedx_fakes.db import LEDGER

# upstream module -> the fake that stands for it
MODULES = {
    "common.djangoapps.student.models": "student_models",
    "common.djangoapps.student.roles": "student_roles",
    "lms.djangoapps.courseware.access": "courseware_access",
    "lms.djangoapps.courseware.access_response": "access_response",
    "lms.djangoapps.courseware.courses": "courseware_courses",
    "lms.djangoapps.courseware.block_render": "block_render",
    "lms.djangoapps.grades.models": "grades_models",
    "openedx.core.lib.courses": "lib_courses",
    "openedx.core.djangoapps.course_groups.cohorts": "cohorts",
    "openedx.core.djangoapps.user_api.preferences.api": "preferences",
    "openedx.features.course_duration_limits.access": "course_duration_limits",
    "xmodule.modulestore.django": "modulestore",
    "xmodule.modulestore.exceptions": "modulestore_exceptions",
    "completion.models": "completion_models",
}


class _Direct:
    """``monkeypatch``'s two methods, applied for good (the benchmark's child process)."""

    @staticmethod
    def setitem(mapping, key, value):
        mapping[key] = value

    @staticmethod
    def setattr(target, name, value, raising=True):  # pylint: disable=unused-argument
        setattr(target, name, value)


def _package(name: str, patch) -> types.ModuleType:
    """The real package if it is installed (edx-completion), else an empty one."""
    if name in sys.modules:
        return sys.modules[name]
    try:
        module = importlib.import_module(name)
    except ImportError:
        module = types.ModuleType(name)
        module.__path__ = []
        patch.setitem(sys.modules, name, module)
    return module


def install(patch=_Direct):
    """Put the fakes in ``sys.modules`` and return a fresh, empty platform state. ``patch``:
    pytest's ``monkeypatch`` in tests, so that everything is undone after the test."""
    for name, fake in MODULES.items():
        parts = name.split(".")
        for depth in range(1, len(parts)):
            _package(".".join(parts[:depth]), patch)
        patch.setitem(sys.modules, name, importlib.import_module(f"tests.openedx_fakes.{fake}"))
        for depth in range(1, len(parts)):
            parent = sys.modules[".".join(parts[:depth])]
            patch.setattr(parent, parts[depth], sys.modules[".".join(parts[:depth + 1])],
                          raising=False)
    LEDGER.reset()
    return _state.reset()


__all__ = ["LEDGER", "MODULES", "install"]


def openedx_fixture(monkeypatch, settings):
    """The body of the ``openedx`` pytest fixture: the plugin on the real-backend code path."""
    settings.ZOOM_XBLOCK_PLATFORM_BACKEND = "zoom_xblock.platform.openedx.OpenEdxPlatform"
    settings.ROOT_URLCONF = "tests.openedx_fakes.urls"  # the LMS's jump_to
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "crum.CurrentRequestUserMiddleware"]
    return install(monkeypatch)
