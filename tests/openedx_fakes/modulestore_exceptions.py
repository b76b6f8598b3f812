"""Fake ``xmodule.modulestore.exceptions``."""


class ItemNotFoundError(Exception):
    pass
