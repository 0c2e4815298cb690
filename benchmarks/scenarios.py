"""Synthetic, valid scenarios for the whole catalog, as plain float64 columns.

Every row respects the inputs' declared rules (whole counts, parts within their wholes, ranks
in 1..of, checklists within their lists), and a fixed share of rows sits exactly on a threshold
(a share of exactly 9/10, a speed of exactly 25), so the exact near-threshold path is exercised.
"""

from __future__ import annotations

import numpy as np

from smartindex import InputKind
from smartindex.catalog.shandong import FIRST_BATCH

Columns = dict[str, np.ndarray]

#: Wholes are drawn in 1..WHOLE_MAX; parts as a random share of their whole.
WHOLE_MAX = 10_000
#: One row in this many is put exactly on a threshold.
ON_THRESHOLD_EVERY = 100


def scenarios(n: int, seed: int = 0) -> Columns:
    """``n`` valid rows for every input of the catalog, keyed by input id (declared units)."""
    rng = np.random.default_rng(seed)
    inputs = FIRST_BATCH.inputs
    out: Columns = {}

    def column(input_id: str) -> np.ndarray:
        if input_id in out:
            return out[input_id]
        inp = inputs[input_id]
        if inp.at_most is not None:
            whole = column(inp.at_most.id)
            share = rng.beta(8.0, 1.5, n)
            col = whole * share
            if inp.integral:
                col = np.floor(col)
        elif inp.kind is InputKind.RANK:
            col = rng.integers(1, (inp.rank_of or 1) + 1, n).astype(np.float64)
        elif inp.kind is InputKind.CHECKLIST:
            col = rng.integers(0, len(inp.items) + 1, n).astype(np.float64)
        elif inp.kind is InputKind.DISTANCE:
            col = np.round(rng.uniform(0.5, 8.0, n), 2)
        elif inp.kind is InputKind.MEASURED:
            col = np.round(rng.uniform(15.0, 40.0, n), 2)
        elif inp.integral:
            col = rng.integers(1, WHOLE_MAX + 1, n).astype(np.float64)
        else:
            col = np.round(rng.uniform(1.0, float(WHOLE_MAX), n), 2)
        out[input_id] = col
        return col

    for input_id in inputs:
        column(input_id)
    # rows exactly on a threshold: 9 of 10 services, a speed of exactly 25, a spacing of 5
    on = np.arange(0, n, ON_THRESHOLD_EVERY)
    out["gov_services_total"][on] = 1000.0
    out["services_with_e_license"][on] = 800.0  # e-license rate exactly 4/5 (>= 80%)
    out["download_speed"][on] = 25.0  # exactly 25 Mbit/s (达到25)
    out["weather_station_spacing"][on] = 5.0  # exactly 5 km (小于5: not met)
    out["it_systems_total"][on] = 20.0
    out["it_systems_on_cloud"][on] = 19.0  # exactly 95% (超过95%: not five-star)
    return out


def input_bytes(columns: Columns) -> int:
    """Total size of the input arrays in bytes."""
    return sum(int(c.nbytes) for c in columns.values())
