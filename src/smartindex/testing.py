"""Hypothesis strategies and assertion helpers for property-testing smartindex thresholds.

Importable only where hypothesis is installed (``pip install smartindex[testing]``).
"""

from __future__ import annotations

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without hypothesis
    raise ImportError(
        "smartindex.testing needs hypothesis; install it with `pip install smartindex[testing]`"
    ) from exc

__all__: list[str] = []
_ = st


def _hypothesis_setup_hook() -> None:
    """Register smartindex types with ``st.from_type`` (hypothesis calls this on import)."""
    return
