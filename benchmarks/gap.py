"""Gap analysis speed: one city over the whole catalog, first use and after.

The first call solves every (quantity, input) pair with sympy and caches the solved forms on the
catalog; later calls only evaluate them exactly. Run: ``python benchmarks/gap.py``.
"""

from __future__ import annotations

import time
import timeit
from importlib import resources

from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.io import read_inputs
from smartindex.whatif import gap

REPEAT = 30


def main() -> None:
    data = read_inputs(str(resources.files("smartindex").joinpath("data/example-city.csv")))
    n = len(next(iter(data.values())))
    start = time.perf_counter()
    report = gap(FIRST_BATCH, data)
    first = time.perf_counter() - start
    print(f"first use (sympy solves, {len(FIRST_BATCH)} indicators): {first * 1000:8.1f} ms")
    print(f"gaps found for {n} example cities: {len(report)}")
    for row in range(n):
        city = {k: v[row : row + 1] for k, v in data.items()}
        times = timeit.repeat(lambda city=city: gap(FIRST_BATCH, city), number=1, repeat=REPEAT)
        cpu = time.process_time()
        for _ in range(REPEAT):
            gap(FIRST_BATCH, city)
        cpu = (time.process_time() - cpu) / REPEAT
        print(
            f"one city (row {row}), whole catalog, after first use: "
            f"min {min(times) * 1000:6.1f} ms,"
            f" median {sorted(times)[REPEAT // 2] * 1000:6.1f} ms, cpu {cpu * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
