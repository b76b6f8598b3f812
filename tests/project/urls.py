"""URLs of the workbench project: the plugin's URLs come from edx-django-utils, like the LMS."""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from edx_django_utils.plugins import plugin_urls

from tests.project import views


def plugin_url_patterns(project):
    """``get_plugin_url_patterns(project)`` without edx-completion's REST API, whose views need
    the LMS's own authentication classes (``openedx.core.lib.api.authentication``): the
    workbench uses completion's models, service and receiver, not its API."""
    # pylint: disable=protected-access
    return [plugin_urls._get_url(module_path, config)
            for module_path, config in plugin_urls._iter_plugins(project)
            if config.get("app_name") != "completion"]


urlpatterns = [
    path("", views.index, name="workbench_index"),
    re_path(r"^scenario/(?P<scenario_id>[^/]+)/(?P<view_name>[^/]+)/$", views.show_scenario,
            name="scenario"),
    path("scenario/<str:scenario_id>/studio/<str:action>/", views.studio_action,
         name="studio_action"),
    re_path(r"^scenario/(?P<scenario_id>[^/]+)/$", views.show_scenario,
            name="workbench_show_scenario"),
    re_path(r"^handler/(?P<usage_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
            views.handler, name="handler"),
    # Studio's unit page, editor and preview handler (cms/djangoapps/contentstore/views/preview.py)
    re_path(r"^preview/handler/(?P<usage_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
            views.preview_handler, name="preview_handler"),
    re_path(r"^preview/(?P<scenario_id>[^/]+)/(?P<view_name>[^/]+)/$", views.preview_scenario,
            name="preview_scenario"),
    path("demo/subsection/<path:usage_key>", views.subsection, name="demo_subsection"),
    path("demo/view-as/<str:role>/", views.view_as, name="demo_view_as"),
    path("accounts/login/", auth_views.LoginView.as_view(
        template_name="zoom_workbench/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    *plugin_url_patterns(settings.PROJECT),
    path("", include("workbench.urls")),
]

if settings.DEBUG:
    urlpatterns.insert(0, path("demo/login-as/<str:username>/", views.login_as, name="login_as"))
