"""URLs of the workbench project: the plugin's URLs come from edx-django-utils, like the LMS."""
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from edx_django_utils.plugins import get_plugin_url_patterns

from tests.project import views

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
    path("demo/subsection/<path:usage_key>", views.subsection, name="demo_subsection"),
    path("accounts/login/", auth_views.LoginView.as_view(
        template_name="zoom_workbench/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    *get_plugin_url_patterns(settings.PROJECT),
    path("", include("workbench.urls")),
]

if settings.DEBUG:
    urlpatterns.insert(0, path("demo/login-as/<str:username>/", views.login_as, name="login_as"))
