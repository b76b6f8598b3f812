"""A stand-in for the parts of Open edX the plugin uses, for the workbench, the demo and tests.

It is installed only by the workbench project (``tests/project``), which names
:class:`tests.standin.backend.StandInPlatform` as the platform backend; inside the LMS the real
platform answers instead (see :mod:`zoom_xblock.platform`), and the plugin never imports this
package. :mod:`tests.standin.actions` does what people do on the platform (enroll, unenroll,
earn a result), with the openedx-events the platform sends for it.
"""
