"""The Tutor plugin shipped with zoom-xblock (entry point ``tutor.plugin.v1``: ``zoom``).

``pip install zoom-xblock`` in Tutor's environment, ``tutor plugins enable zoom`` and
``tutor config save`` are the whole set-up: see docs/tutor.md. The plugin module is
:mod:`zoom_xblock.tutor_plugin.plugin`; this package imports neither Tutor nor Django, so
the XBlock can be installed where Tutor is not.
"""
