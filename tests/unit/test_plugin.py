"""The plugin loads into a Django project through edx-django-utils, as in the LMS and CMS."""
from importlib.metadata import entry_points

from django.conf import settings
from django.urls import resolve, reverse
from edx_django_utils.plugins import get_plugin_apps
from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED

from tests.project.urls import plugin_url_patterns
from zoom_xblock import receivers


def test_entry_points_declare_block_and_app_for_lms_and_cms():
    groups = ("xblock.v1", "lms.djangoapp", "cms.djangoapp")
    found = {(ep.group, ep.name): ep.value for group in groups
             for ep in entry_points(group=group) if ep.name in ("zoom", "zoom_xblock")}
    assert found == {
        ("xblock.v1", "zoom"): "zoom_xblock:ZoomXBlock",
        ("lms.djangoapp", "zoom_xblock"): "zoom_xblock.apps:ZoomXBlockConfig",
        ("cms.djangoapp", "zoom_xblock"): "zoom_xblock.apps:ZoomXBlockConfig",
    }


def test_plugin_loader_installs_the_app_in_lms_and_cms():
    assert "zoom_xblock.apps.ZoomXBlockConfig" in get_plugin_apps("lms.djangoapp")
    assert "zoom_xblock.apps.ZoomXBlockConfig" in get_plugin_apps("cms.djangoapp")
    assert "zoom_xblock.apps.ZoomXBlockConfig" in settings.INSTALLED_APPS


def test_plugin_urls_are_mounted_under_zoom():
    patterns = plugin_url_patterns("lms.djangoapp")
    assert any("zoom" in str(p.pattern) for p in patterns)
    assert reverse("zoom_xblock:webhook_meeting") == "/zoom/webhook/meeting"
    assert resolve("/zoom/webhook/webinar").kwargs == {"endpoint": "webinar"}


def test_plugin_settings_give_defaults_and_beat_entry_and_leave_locale_paths_alone():
    assert isinstance(settings.ZOOM_XBLOCK, dict)
    assert settings.CELERYBEAT_SCHEDULE["zoom-xblock-sweep"]["task"] == "zoom_xblock.tasks.sweep"
    assert not any(path.endswith("translations") for path in settings.LOCALE_PATHS)


def test_receivers_are_connected_to_the_real_openedx_events():
    dispatch_uids = [entry[0][0] for entry in COURSE_ENROLLMENT_CREATED.receivers]
    assert "zoom_xblock.enrollment_created" in dispatch_uids
    assert callable(receivers.enrollment_changed)
