"""zoom-xblock: Zoom meetings and webinars as a native part of an Open edX course."""

__version__ = "0.1.0"


def __getattr__(name):
    # The XBlock class is imported lazily so that Django can import the app (and its
    # settings module) before the XBlock runtime and models are ready.
    if name == "ZoomXBlock":
        from zoom_xblock.block.xblock import ZoomXBlock  # pylint: disable=import-outside-toplevel

        return ZoomXBlock
    raise AttributeError(name)
