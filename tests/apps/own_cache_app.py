"""A function cached by cnnviz.ui.heavy with a session's own budget, for tests/test_heavy.py (AppTest)."""

import numpy as np

from cnnviz.ui import heavy

CALLS: list[str] = []


@heavy.cached(max_mb=1, own_mb=1, limited=False)
def build(name: str, _own: bool = False) -> np.ndarray:
    """0.1 MB of zeros, and a note of the call."""
    CALLS.append(name)
    return np.zeros(100_000, np.uint8)
