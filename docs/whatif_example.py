"""A what-if study on the example cities (a notebook in percent format, run as a script)."""

# %% [markdown]
# # A what-if study on the example cities
#
# A script in notebook "percent" format: open it in Jupyter (with jupytext) or VS Code as a
# notebook, or run it as is: `python docs/whatif_example.py [OUTPUT_DIR]`. CI runs it and checks
# its plots (tests/test_whatif.py). The data are the two synthetic cities shipped with the
# package.

# %%
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.io import read_inputs
from smartindex.plot import gap_chart, grade_heatmap, threshold_plot
from smartindex.whatif import cheapest_plan, monte_carlo, scenarios, sensitivity

out = Path(sys.argv[1] if len(sys.argv) > 1 else "whatif-plots")
out.mkdir(parents=True, exist_ok=True)
data = read_inputs(resources.files("smartindex").joinpath("data/example-city.csv"))
catalog = FIRST_BATCH

# %% [markdown]
# ## Where do the cities stand?

# %%
result = catalog.evaluate(data)
print(result.counts(1)["total"])
grade_heatmap(result).savefig(out / "grades.png", dpi=90)

# %% [markdown]
# ## What does it take? One input at a time, exactly
#
# For every indicator below five stars: the smallest change of each input alone that reaches the
# next grade, whole numbers for counts. Nearest wins come first.

# %%
report = catalog.gap(data)
city_b = report.for_row(1)
for g in city_b[:8]:
    print(f"{g.indicator.id:28} -> {g.target:9}  {g.summary()}")
open_data = next(g for g in report.for_row(0) if g.indicator.id == "open_data")
assert str(open_data.changes[0]) == "open_data_categories_opened 20 -> 22 (+2 checklist_item)"

# %% [markdown]
# Compound targets list every condition still missing, each with its own fixes:

# %%
bus = next(g for g in city_b if g.indicator.id == "bus_arrival_prediction")
for m in bus.missing:
    print(m.condition, "->", "; ".join(str(c) for c in m.changes))

# %% [markdown]
# ## Who must deliver what

# %%
for dept, gaps in list(report.by_department().items())[:5]:
    print(dept, len(gaps), "gaps; first:", gaps[0].summary())
chart = gap_chart(report)  # without a CJK font, departments are coded D01, D02, ...
chart.savefig(out / "gaps-by-department.png", dpi=90)
print(chart.smartindex_labels)

# %% [markdown]
# ## The cheapest combined plan
#
# Costs per unit of each lever (here: one unit of a part costs the same everywhere). The plan is a
# small integer program (scipy's HiGHS), checked exactly afterwards.

# %%
plan = cheapest_plan(
    catalog,
    data,
    "bus_arrival_prediction",
    {"bus_lines_realtime": 50.0, "bus_stops_with_e_sign": 3.0},
    row=1,
)
assert plan is not None
print(plan.cost, [str(c) for c in plan.changes])

# %% [markdown]
# ## Sensitivity: derivatives, elasticities, distances in the input's own units

# %%
for s in sensitivity(catalog, data, row=1, indicators=["e_license_usage"]):
    print(s.input, float(s.derivative), s.elasticity, s.distances())

# %% [markdown]
# ## Scenarios: a grid and its frontier

# %%
grid = scenarios(
    catalog,
    data,
    {"download_speed": np.arange(20, 36, 0.5), "bus_lines_realtime": np.arange(150, 176)},
    row=1,
)
print(grid.shares("mobile_download_speed"))
print(grid.frontier("mobile_download_speed")[:2])
threshold_plot(grid, "bus_arrival_prediction", x="bus_lines_realtime").savefig(
    out / "bus-threshold.png", dpi=90
)

# %% [markdown]
# ## Monte Carlo over uncertain inputs (seeded)

# %%
mc = monte_carlo(
    catalog,
    data,
    {"download_speed": ("normal", 28.0, 2.5), "bus_lines_realtime": ("uniform", 155, 176)},
    n=2000,
    seed=42,
    row=1,
)
print(
    {k: round(v, 3) for k, v in mc.shares("mobile_download_speed")["mobile_download_speed"].items()}
)
threshold_plot(mc, "mobile_download_speed", x="download_speed").savefig(
    out / "speed-monte-carlo.png", dpi=90
)
print("plots in", out)
