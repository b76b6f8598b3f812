"""Stand-in for the platform package of the same path (see tests/project/upstream/README.md)."""
