"""The test project's URLs plus the LMS's ``jump_to`` (the link gating gives learners)."""
from django.http import HttpResponse
from django.urls import path

from tests.project.urls import urlpatterns as project_urls


def jump_to(request, course_id, location):  # pylint: disable=unused-argument
    return HttpResponse(location)


urlpatterns = [
    path("courses/<str:course_id>/jump_to/<str:location>", jump_to, name="jump_to"),
    *project_urls,
]
