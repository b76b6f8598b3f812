"""A stand-in for the parts of Open edX the plugin uses, for the workbench, the demo and tests.

It is installed only by the workbench project (``tests/project``); inside the LMS the real
platform answers instead (see :mod:`zoom_xblock.platform`). Enrolling and unenrolling here emit
the real openedx-events signals, exactly as the platform's ``CourseEnrollment`` does.
"""
