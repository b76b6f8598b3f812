"""The plugin boots at the platform's COMMON settings stage and keeps its words to itself
(issue 11, point 1)."""
import sys
import types

import pytest
from django.utils import translation
from edx_django_utils.plugins import add_plugins

from tests.project.derived import Derived, derive_settings
from tests.unit.test_studio import VALID
from tests.utils import call_handler, make_block, make_user, render
from zoom_xblock import i18n
from zoom_xblock.settings import common

PLATFORM_LOCALE = "/openedx/edx-platform/conf/locale"
STAFF_ONLY = "Only the course's staff can edit this session."
STAFF_ONLY_ES = "Solo el equipo docente del curso puede editar esta sesión."


@pytest.fixture
def lms_common_settings(monkeypatch):
    """A settings module as ``lms/envs/common.py`` is when it calls ``add_plugins(...,
    SettingsType.COMMON)``: ``LOCALE_PATHS`` still a ``Derived`` (openedx/envs/common.py)."""
    module = types.ModuleType("fake_lms_envs_common")
    module.LOCALE_PATHS = Derived(lambda settings: [PLATFORM_LOCALE])
    module.CELERYBEAT_SCHEDULE = {}
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_plugin_settings_survive_the_common_stage_with_derived_locale_paths(lms_common_settings):
    derived = lms_common_settings.LOCALE_PATHS
    add_plugins(lms_common_settings.__name__, "lms.djangoapp", "common")  # every plugin, as the LMS

    assert lms_common_settings.LOCALE_PATHS is derived  # neither iterated nor replaced
    assert "zoom-xblock-sweep" in lms_common_settings.CELERY_BEAT_SCHEDULE
    derive_settings(lms_common_settings.__name__)
    assert lms_common_settings.LOCALE_PATHS == [PLATFORM_LOCALE]


def test_the_plugin_settings_alone_leave_locale_paths_alone(lms_common_settings):
    common.plugin_settings(lms_common_settings)
    derive_settings(lms_common_settings.__name__)
    assert lms_common_settings.LOCALE_PATHS == [PLATFORM_LOCALE]


def test_the_platforms_own_words_keep_the_platforms_translation():
    with translation.override("es"):
        # Django's (the site's) "None" is "Ninguno"; the plugin's recording choice says
        # "Ninguna". The site keeps its word; the plugin's code gets its own.
        assert translation.gettext("None") == "Ninguno"
        assert i18n.gettext("None") == "Ninguna"
        assert translation.gettext(STAFF_ONLY) == STAFF_ONLY  # not in the site's catalog
        assert i18n.gettext(STAFF_ONLY) == STAFF_ONLY_ES
        assert translation.get_language() == "es"


def test_the_plugin_falls_back_to_the_sites_words_then_to_english():
    with translation.override("es"):
        assert i18n.gettext("Yes") == "Sí"  # Django's word, not in the plugin's catalog
        assert i18n.gettext("No catalogue has this sentence.") == "No catalogue has this sentence."
    with translation.override("de"):  # no plugin catalog for German
        assert i18n.gettext(STAFF_ONLY) == STAFF_ONLY


@pytest.mark.django_db
def test_the_block_speaks_through_the_runtimes_i18n_service():
    block = make_block(make_user("mallory"))
    with translation.override("es"):
        service = block.runtime.service(block, "i18n")
        assert service.ugettext(STAFF_ONLY) == STAFF_ONLY_ES
        status, body = call_handler(block, "studio_submit", VALID)
    assert status == 403 and body["error"] == STAFF_ONLY_ES


@pytest.mark.django_db
def test_the_blocks_templates_are_translated_without_touching_the_site_catalog():
    block = make_block(make_user("ada"), title="Horas de consulta")
    with translation.override("fr"):
        html = render(block)
    with translation.override("en"):
        english = render(block)
    assert html != english
