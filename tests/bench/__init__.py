"""Benchmarks, run by ``make bench`` (``python -m tests.bench [NAME ...] [--strict]``).

Each benchmark module is registered in :data:`tests.bench.core.BENCHMARKS` and has a
``run() -> list[Result]``; ``__main__`` runs them and prints one table (see ``table.py``).
"""
