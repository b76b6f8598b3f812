"""Both platform backends answer every call of the door's protocol, with its signatures.

The door asks the backend named by ``ZOOM_XBLOCK_PLATFORM_BACKEND``: Open edX by default, the
stand-in in the workbench. A backend that lacked a call, or took other arguments, would fail
only on the platform that uses it, so both are held to :class:`PlatformBackend` here.
"""
import inspect

import pytest

from tests.standin.backend import StandInPlatform
from zoom_xblock import platform
from zoom_xblock.platform.openedx import OpenEdxPlatform
from zoom_xblock.platform.protocol import PlatformBackend

BACKENDS = [OpenEdxPlatform, StandInPlatform]


def public_calls(cls) -> set[str]:
    return {name for name, value in inspect.getmembers(cls)
            if not name.startswith("_") and callable(value)}


def protocol_calls() -> set[str]:
    return {name for name, value in vars(PlatformBackend).items()
            if not name.startswith("_") and inspect.isfunction(value)}


def parameters(signature: inspect.Signature) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


def test_the_protocol_declares_every_call_the_door_makes():
    source = inspect.getsource(platform)
    called = {line.split("backend().", 1)[1].split("(", 1)[0]
              for line in source.splitlines() if "backend()." in line}
    assert called == protocol_calls()


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda cls: cls.__name__)
def test_a_backend_has_exactly_the_protocol_calls(backend):
    assert public_calls(backend) == protocol_calls()
    assert isinstance(backend(), PlatformBackend)


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("name", sorted(protocol_calls()))
def test_a_backend_call_takes_the_protocol_arguments(backend, name):
    declared = parameters(inspect.signature(getattr(PlatformBackend, name)))[1:]  # self
    assert parameters(inspect.signature(getattr(backend(), name))) == declared


def test_the_door_uses_the_backend_the_setting_names(settings):
    settings.ZOOM_XBLOCK_PLATFORM_BACKEND = "tests.standin.backend.StandInPlatform"
    assert isinstance(platform.backend(), StandInPlatform)
    settings.ZOOM_XBLOCK_PLATFORM_BACKEND = "zoom_xblock.platform.openedx.OpenEdxPlatform"
    assert isinstance(platform.backend(), OpenEdxPlatform)
    del settings.ZOOM_XBLOCK_PLATFORM_BACKEND
    assert isinstance(platform.backend(), OpenEdxPlatform)  # the default: inside Open edX
