"""What a user would write without smartindex: one city at a time, pint quantities, float tests.

Every input becomes a ``pint.Quantity`` in its unit, each indicator's formula and thresholds are
written out by hand, and shares are converted to plain numbers before comparing. No validation
and no exact arithmetic: a share of exactly 90% computed as a float may land either side.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pint

from smartindex.catalog.shandong import FIRST_BATCH

Row = dict[str, Any]


def registry() -> Any:
    """A pint registry that knows the catalog's counting units (as a user would define them)."""
    ureg = pint.UnitRegistry(cache_folder=None)
    text = resources.files("smartindex").joinpath("units.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            ureg.define(line)
    return ureg


def to_quantities(ureg: Any, values: dict[str, float]) -> Row:
    """One city's raw numbers as pint quantities in the catalog's declared units."""
    inputs = FIRST_BATCH.inputs
    return {k: ureg.Quantity(v, inputs[k].unit) for k, v in values.items()}


def _grade(four: bool, five: bool) -> int:
    return 2 if four and five else 1 if four else 0


def _share(c: Row, part: str, whole: str) -> float:
    return float((c[part] / c[whole]).to("dimensionless").magnitude)


def evaluate_city(ureg: Any, c: Row) -> dict[str, int]:  # noqa: PLR0915 - one block per indicator
    """Grade one city (inputs as pint quantities) for every indicator: 0, 1 or 2."""
    q = ureg.Quantity
    out: dict[str, int] = {}
    r = c["aishandong_app_rank"]
    out["gov_service_app"] = _grade(r <= q(6, ""), r <= q(3, ""))
    x = _share(c, "services_with_e_license", "gov_services_total")
    out["e_license_usage"] = _grade(x >= 0.8, x > 0.85)
    l3 = _share(c, "public_hospitals_emr_level3_plus", "public_hospitals")
    l4 = _share(c, "public_hospitals_emr_level4_plus", "public_hospitals")
    out["hospital_smart_service"] = _grade(l3 >= 0.5, l4 >= 0.5)
    x = _share(c, "smart_campus_schools", "schools_total")
    out["smart_campus_coverage"] = _grade(x >= 0.6, x >= 0.8)
    x = c["social_security_services_online"]
    out["social_security_cross_region"] = _grade(
        x >= q(3, "checklist_item"), x >= q(4, "checklist_item")
    )
    x = c["employment_service_channels"]
    out["employment_service_channels"] = _grade(
        x >= q(4, "checklist_item"), x >= q(5, "checklist_item")
    )
    a = _share(c, "bus_lines_realtime", "bus_lines_total")
    b = _share(c, "bus_stops_with_e_sign", "bus_stops_total")
    out["bus_arrival_prediction"] = _grade(a >= 0.9 and b >= 0.1, a == 1 and b > 0.2)
    x = _share(c, "transit_trips_e_payment", "transit_trips_total")
    out["transit_e_payment"] = _grade(x >= 0.75, x > 0.9)
    x = (
        _share(c, "households_smart_water_meter", "households_total")
        + _share(c, "households_smart_electricity_meter", "households_total")
        + _share(c, "households_smart_gas_meter", "households_total")
    ) / 3
    out["home_energy_auto_metering"] = _grade(x >= 0.75, x >= 0.9)
    x = _share(c, "departments_sharing_catalog", "government_departments_total")
    out["data_sharing"] = _grade(x >= 0.9, x == 1)
    x = float((c["open_data_categories_opened"] / q(22, "checklist_item")).to("").magnitude)
    out["open_data"] = _grade(x >= 0.9, x == 1)
    x = _share(c, "credit_units_sharing_realtime", "credit_units_total")
    out["credit_info_sharing"] = _grade(x >= 0.9, x == 1)
    x = _share(c, "it_systems_on_cloud", "it_systems_total")
    out["gov_cloud"] = _grade(x >= 0.9, x > 0.95)
    x = c["departments_in_unified_grid"]
    out["multi_grid_integration"] = _grade(x >= q(4, "department"), x > q(5, "department"))
    x = _share(c, "emergency_events_commanded", "emergency_events_total")
    out["emergency_command"] = _grade(x >= 0.8, x > 0.9)
    x = (
        0.4 * _share(c, "air_monitored_area", "region_area")
        + 0.4 * _share(c, "water_monitored_area", "region_area")
        + 0.2 * _share(c, "noise_monitored_area", "region_area")
    )
    out["environment_monitoring"] = _grade(x > 0.8, x > 0.9)
    x = _share(c, "intersections_realtime_signal", "intersections_total")
    out["traffic_signal_timing"] = _grade(x >= 0.7, x > 0.9)
    x = (
        _share(c, "water_pipeline_monitored_length", "water_pipeline_length")
        + _share(c, "power_pipeline_monitored_length", "power_pipeline_length")
        + _share(c, "gas_pipeline_monitored_length", "gas_pipeline_length")
    ) / 3
    out["pipeline_monitoring"] = _grade(x >= 0.85, x == 1)
    x = _share(c, "streetlights_smart", "streetlights_total")
    out["smart_lighting"] = _grade(x >= 0.9, x == 1)
    x = _share(c, "key_buildings_submetered", "key_buildings_total")
    out["building_energy_metering"] = _grade(True, x >= 0.9)
    x = _share(c, "software_revenue", "regional_gdp")
    out["software_revenue"] = _grade(x > 0.06, x > 0.08)
    x = c["enterprises_on_cloud"]
    out["enterprise_cloud"] = _grade(x >= q(2000, "enterprise"), x >= q(3000, "enterprise"))
    x = c["national_industrialization_bases"]
    out["industrialization_bases"] = _grade(
        x >= q(3, "industrial_base"), x >= q(4, "industrial_base")
    )
    x = c["provincial_digital_economy_parks"]
    out["digital_economy_parks"] = _grade(x >= q(3, "digital_park"), x >= q(4, "digital_park"))
    x = _share(c, "e_commerce_turnover", "retail_sales_total")
    out["e_commerce"] = _grade(x >= 0.2, x > 0.3)
    per_10k = "invention_patent / ten_thousand_people"
    now = (c["valid_invention_patents"] / c["population"]).to(per_10k)
    prev = (c["valid_invention_patents_prev"] / c["population_prev"]).to(per_10k)
    x = float(((now - prev) / prev).to("").magnitude)
    out["invention_patent_growth"] = _grade(x >= 0.1, x > 0.15)
    x = _share(c, "ngit_employees", "employed_total")
    out["ngit_employment_share"] = _grade(x >= 0.05, x > 0.1)
    x = c["identifier_resolution_nodes"]
    out["industrial_internet_nodes"] = _grade(
        x >= q(1, "identifier_node"), x >= q(2, "identifier_node")
    )
    x = _share(c, "households_fibre", "households_online")
    out["household_fibre"] = _grade(x >= 0.9, x == 1)
    x = c["download_speed"]
    out["mobile_download_speed"] = _grade(x >= q(25, "Mbit/s"), x >= q(30, "Mbit/s"))
    x = _share(c, "key_area_cameras_networked", "key_area_cameras_total")
    out["video_networking"] = 1 if x >= 0.9 else 0  # the source lost the five-star target
    hd = _share(c, "key_public_areas_hd_covered", "key_public_areas_total")
    work = _share(c, "key_area_cameras_working", "key_area_cameras_total")
    out["video_surveillance_completeness"] = _grade(
        hd >= 0.9 and work >= 0.9, hd == 1 and work == 1
    )
    crime = _share(c, "criminal_cases_solved_with_video", "criminal_cases_solved")
    served = c["departments_served_by_video"]
    out["public_security_video"] = _grade(
        crime >= 0.6 and served >= q(7, "department"),
        crime >= 0.8 and served >= q(11, "department"),
    )
    x = c["weather_station_spacing"]
    out["weather_station_coverage"] = _grade(x < q(5, "km"), x < q(3, "km"))
    return out


def evaluate(ureg: Any, columns: dict[str, Any], rows: int) -> list[dict[str, int]]:
    """Grade the first ``rows`` rows of float columns, one city at a time."""
    out = []
    for i in range(rows):
        city = to_quantities(ureg, {k: float(v[i]) for k, v in columns.items()})
        out.append(evaluate_city(ureg, city))
    return out
