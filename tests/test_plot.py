import struct
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.io import read_inputs
from smartindex.plot import gap_chart, grade_heatmap, has_cjk_font, threshold_plot
from smartindex.whatif import monte_carlo, scenarios

EXAMPLE = str(resources.files("smartindex").joinpath("data/example-city.csv"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header, after checking it is a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def save(fig: object, path: Path) -> tuple[int, int]:
    fig.savefig(path, dpi=80)  # type: ignore[attr-defined]
    assert path.stat().st_size > 5_000  # something was drawn, not an empty canvas
    return png_size(path)


def test_grade_heatmap_of_the_example_cities(tmp_path: Path) -> None:
    result = FIRST_BATCH.evaluate(read_inputs(EXAMPLE))
    width, height = save(grade_heatmap(result), tmp_path / "grades.png")
    assert width > 400
    assert 150 < height < 2000


def test_grade_heatmap_of_scenarios_is_capped(tmp_path: Path) -> None:
    res = scenarios(FIRST_BATCH, read_inputs(EXAMPLE), {"download_speed": np.linspace(20, 35, 200)})
    small = save(grade_heatmap(res, max_rows=10), tmp_path / "small.png")
    big = save(grade_heatmap(res, max_rows=60), tmp_path / "big.png")
    assert big[1] > small[1]


def test_gap_chart_per_department(tmp_path: Path) -> None:
    report = FIRST_BATCH.gap(read_inputs(EXAMPLE))
    fig = gap_chart(report)
    width, height = save(fig, tmp_path / "gaps.png")
    assert width > 400
    assert height > 300
    bars = fig.axes[0].patches
    assert len(bars) == 4 * len(report.by_department())
    total = sum(p.get_width() for p in bars)
    assert total == sum(len(v) for v in report.by_department().values())
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    names = list(report.by_department())
    if has_cjk_font():
        assert shown == names
    else:
        assert shown == [fig.smartindex_labels[n] for n in names]
    english = {n: f"department {i}" for i, n in enumerate(names)}
    fig = gap_chart(report, labels=english)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(english.values())
    save(fig, tmp_path / "gaps-en.png")


def test_threshold_plot_per_city_and_over_a_scenario_axis(tmp_path: Path) -> None:
    result = FIRST_BATCH.evaluate(read_inputs(EXAMPLE))
    fig = threshold_plot(result, "mobile_download_speed")
    save(fig, tmp_path / "speed.png")
    lines = [ln.get_ydata()[0] for ln in fig.axes[0].get_lines()]
    assert sorted(lines) == [25.0, 30.0]
    res = scenarios(
        FIRST_BATCH, read_inputs(EXAMPLE), {"bus_lines_realtime": range(150, 176)}, row=1
    )
    fig = threshold_plot(
        res, "bus_arrival_prediction", "realtime_prediction_rate", x="bus_lines_realtime"
    )
    save(fig, tmp_path / "bus.png")
    ys = sorted(ln.get_ydata()[0] for ln in fig.axes[0].get_lines()[1:])
    assert ys == [0.9, 1.0]
    with pytest.raises(ValueError, match="ScenarioResult"):
        threshold_plot(result, "mobile_download_speed", x="download_speed")


def test_monte_carlo_heatmap_renders(tmp_path: Path) -> None:
    res = monte_carlo(
        FIRST_BATCH, read_inputs(EXAMPLE), {"download_speed": ("normal", 28, 3)}, n=50, seed=1
    )
    save(grade_heatmap(res), tmp_path / "mc.png")


def test_plot_module_imports_matplotlib_only_when_drawing() -> None:
    code = "import sys, smartindex.plot\nassert 'matplotlib' not in sys.modules\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
