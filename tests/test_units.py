"""One pint registry, exact conversion factors, dimension errors."""

from __future__ import annotations

from fractions import Fraction

import pint
import pytest

from smartindex import DimensionError, Grade, UnitError
from smartindex.catalog import shandong
from smartindex.units import conversion_factor, dimensionality, get_registry


@pytest.mark.parametrize(
    ("src", "dst", "factor"),
    [
        ("MB/s", "Mbit/s", 8),
        ("kbit/s", "Mbit/s", Fraction(1, 1000)),
        ("Gbit/s", "Mbit/s", 1000),
        ("km", "m", 1000),
        ("m", "km", Fraction(1, 1000)),
        ("yi_yuan", "wan_yuan", 10_000),
        ("亿元", "万元", 10_000),
        ("万元", "yuan", 10_000),
        ("percent", "dimensionless", Fraction(1, 100)),
        ("km**2", "m**2", 10**6),
        ("ten_thousand_people", "person", 10_000),
    ],
)
def test_exact_conversion_factors(src: str, dst: str, factor: Fraction) -> None:
    assert conversion_factor(src, dst) == factor


def test_wrong_dimension_and_unknown_units() -> None:
    with pytest.raises(DimensionError, match="different dimensions"):
        conversion_factor("km", "Mbit/s")
    with pytest.raises(DimensionError):
        conversion_factor("camera", "household")
    with pytest.raises(UnitError, match="unknown unit"):
        conversion_factor("furlongs_per_fortnight_xyz", "m")
    with pytest.raises(UnitError):
        conversion_factor("degC", "kelvin")
    assert dimensionality("camera / household") == "[camera] / [household]"


def test_one_registry_for_the_package() -> None:
    assert get_registry() is get_registry()


def test_quantities_from_the_application_registry_are_accepted() -> None:
    app = pint.get_application_registry()
    speed = shandong.FIRST_BATCH["mobile_download_speed"]
    assert speed.grade({"download_speed": app.Quantity(3.75, "MB/s")}) is Grade.FIVE_STAR
    assert speed.grade({"download_speed": app.Quantity(3.124, "MB/s")}) is Grade.NOT_MET
    assert (
        speed.grade({"download_speed": get_registry().Quantity(25000, "kbit/s")}) is Grade.FOUR_STAR
    )
    with pytest.raises(DimensionError):
        speed.grade({"download_speed": app.Quantity(3, "km")})


def test_unit_conversion_keeps_boundaries_exact() -> None:
    q = get_registry().Quantity
    rate = shandong.FIRST_BATCH["e_license_usage"]
    assert rate.grade({"e_license_rate": q(80, "percent")}) is Grade.FOUR_STAR
    assert rate.grade({"e_license_rate": q(85, "percent")}) is Grade.FOUR_STAR
    assert rate.grade({"e_license_rate": q(85.0001, "percent")}) is Grade.FIVE_STAR
    sw = shandong.FIRST_BATCH["software_revenue"]
    at_six = {"software_revenue": q(600, "万元"), "regional_gdp": q(1, "亿元")}
    assert sw.grade(at_six) is Grade.NOT_MET  # 超过6%: exactly 6% does not exceed
    result = shandong.FIRST_BATCH.evaluate(
        {"software_revenue [万元]": [600, 601], "regional_gdp [亿元]": [1, 1]}
    )
    assert result.grades("software_revenue") == ["not_met", "four_star"]


def test_indicator_threshold_is_in_the_quantity_unit() -> None:
    from smartindex import Indicator, Quantity, Table, all_of, distance, less_than

    spacing = distance("spacing", "station spacing")
    ind = Indicator(
        id="spacing_in_m",
        table=Table.INFRASTRUCTURE,
        name_zh="间距",
        name_en="Spacing",
        definition_zh="",
        departments_zh=(),
        quantities=(Quantity("spacing", spacing, "km"),),
        four_star=all_of(less_than("spacing", 5000, "m")),
        five_star=all_of(less_than("spacing", 3000, "m")),
    )
    four = ind.four_star.conditions[0]  # type: ignore[union-attr]
    assert ind.threshold(four) == 5
    assert ind.grade({"spacing": 4.999}) is Grade.FOUR_STAR
    assert ind.grade({"spacing": 5}) is Grade.NOT_MET
    assert ind.evaluate({"spacing": [2.999, 3, 5]}).grades("spacing_in_m") == [
        "five_star",
        "four_star",
        "not_met",
    ]
