"""Packaging for zoom-xblock.

``static/``, ``templates/`` and ``translations/`` live at the repository root but ship
*inside* the package as ``zoom_xblock.static``, ``zoom_xblock.templates`` and
``zoom_xblock.translations`` (each folder is a package so that setuptools' editable
finder can map it too). See docs/decisions/0001-layout-and-data-model.md.
"""
import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCE_FOLDERS = ("static", "templates", "translations")


def read(*parts):
    with open(os.path.join(HERE, *parts), encoding="utf-8") as handle:
        return handle.read()


def version():
    return re.search(r'^__version__ = "([^"]+)"', read("zoom_xblock", "__init__.py"), re.M).group(1)


def requirements(name):
    """Top-level requirements of ``requirements/<name>.in`` (pins live in the .txt files)."""
    found = []
    for raw in read("requirements", f"{name}.in").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(line)
    return found




def resource_packages():
    """static/, templates/, translations/ and every folder below them, as package names.

    Setuptools treats every shipped folder as a package; naming them all keeps the wheel and
    the editable install in step (and the build quiet).
    """
    names = []
    for folder in RESOURCE_FOLDERS:
        for root, dirs, _files in os.walk(os.path.join(HERE, folder)):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "node_modules"))
            names.append("zoom_xblock." + os.path.relpath(root, HERE).replace(os.sep, "."))
    return names


RESOURCE_PACKAGES = resource_packages()

setup(
    name="zoom-xblock",
    version=version(),
    description="Zoom meetings and webinars as a native part of an Open edX course",
    long_description=read("README.md"),
    long_description_content_type="text/markdown",
    license="AGPL-3.0",
    python_requires=">=3.11",
    packages=find_packages(include=["zoom_xblock", "zoom_xblock.*"]) + RESOURCE_PACKAGES,
    package_dir={f"zoom_xblock.{folder}": folder for folder in RESOURCE_FOLDERS},
    package_data={name: ["*"] for name in RESOURCE_PACKAGES},
    include_package_data=True,
    install_requires=requirements("base"),
    extras_require={"sandbox": requirements("sandbox")},
    entry_points={
        "xblock.v1": ["zoom = zoom_xblock:ZoomXBlock"],
        "lms.djangoapp": ["zoom_xblock = zoom_xblock.apps:ZoomXBlockConfig"],
        "cms.djangoapp": ["zoom_xblock = zoom_xblock.apps:ZoomXBlockConfig"],
        "tutor.plugin.v1": ["zoom = zoom_xblock.tutor_plugin.plugin"],
    },
    classifiers=[
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
    zip_safe=False,
)
