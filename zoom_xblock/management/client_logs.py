"""Keep the Zoom client's log lines off an operator command's terminal.

The client logs every call (``zoom_xblock.zoom``, INFO, or WARNING for a failure), which is
what a worker's log needs; on the terminal of ``zoom_check``, ``zoom_sync`` or ``zoom_sweep``
those lines bury the command's own report (which already says what failed). While a command
runs without ``-v 2``, the handlers that write to the terminal drop them; files, syslog and
every other handler keep them.
"""
import contextlib
import logging
import sys

CLIENT_LOGGER = "zoom_xblock.zoom"
VERBOSE = 2


class _WithoutClientLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == CLIENT_LOGGER or record.name.startswith(CLIENT_LOGGER + "."))


def _terminal_handlers() -> list[logging.Handler]:
    """Stream handlers on the way from the client's logger to the root that write to a
    terminal stream (stderr or stdout)."""
    handlers, logger = [], logging.getLogger(CLIENT_LOGGER)
    while logger is not None:
        for handler in logger.handlers:
            stream = getattr(handler, "stream", None)
            if (isinstance(handler, logging.StreamHandler)
                    and not isinstance(handler, logging.FileHandler)
                    and stream in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)):
                handlers.append(handler)
        logger = logger.parent if logger.propagate else None
    return handlers


@contextlib.contextmanager
def quiet_client_logs(verbosity: int):
    """Within the block, no client log line reaches the terminal unless ``verbosity >= 2``."""
    if verbosity >= VERBOSE:
        yield
        return
    quiet, handlers = _WithoutClientLines(), _terminal_handlers()
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)
