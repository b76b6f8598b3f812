"""A local Zoom for the demo, the tests and the benchmarks (no Django import here).

``start_sandbox(port=0, **config)`` runs one in a background thread;
``python -m zoom_xblock.sandbox`` runs one as a process. See ``control.py`` for the
``/_sandbox/`` control API.
"""
from .config import SandboxConfig
from .server import SandboxHandle, start_sandbox

__all__ = ["SandboxConfig", "SandboxHandle", "start_sandbox"]
