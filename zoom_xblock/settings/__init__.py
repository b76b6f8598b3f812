"""Plugin settings for the LMS and CMS, loaded by edx-django-utils (``plugin_app``)."""
