"""The grade signals at upstream's path, ``lms/djangoapps/grades/signals/signals.py``."""
from tests.standin.grades import PROBLEM_WEIGHTED_SCORE_CHANGED, SCORE_PUBLISHED

__all__ = ["PROBLEM_WEIGHTED_SCORE_CHANGED", "SCORE_PUBLISHED"]
