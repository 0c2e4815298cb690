"""The floor: the whole catalog's formulas and thresholds written by hand in numpy.

No validation, no unit handling, no exact re-decision near thresholds: the least work any
vectorised implementation must do. Codes follow ``EvaluationResult.codes``: 0 not met,
1 four-star, 2 five-star (four-star where the source lost the five-star target).
"""

from __future__ import annotations

import numpy as np

Columns = dict[str, np.ndarray]
Codes = dict[str, np.ndarray]


def _grade(four: np.ndarray | bool, five: np.ndarray | bool) -> np.ndarray:
    # five-star implies four-star in this catalog; a grade is the highest that holds
    return np.where(four, np.where(five, 2, 1), 0).astype(np.int8)


def _share(c: Columns, part: str, whole: str) -> np.ndarray:
    return c[part] / c[whole]


def evaluate(c: Columns) -> Codes:  # noqa: PLR0915 - one hand-written block per indicator
    """Grade every row for every indicator of the first batch (codes as in the engine)."""
    out: Codes = {}
    with np.errstate(all="ignore"):
        r = c["aishandong_app_rank"]
        out["gov_service_app"] = _grade(r <= 6, r <= 3)
        x = _share(c, "services_with_e_license", "gov_services_total")
        out["e_license_usage"] = _grade(x >= 0.8, x > 0.85)
        l3 = _share(c, "public_hospitals_emr_level3_plus", "public_hospitals")
        l4 = _share(c, "public_hospitals_emr_level4_plus", "public_hospitals")
        out["hospital_smart_service"] = _grade(l3 >= 0.5, l4 >= 0.5)
        x = _share(c, "smart_campus_schools", "schools_total")
        out["smart_campus_coverage"] = _grade(x >= 0.6, x >= 0.8)
        x = c["social_security_services_online"]
        out["social_security_cross_region"] = _grade(x >= 3, x >= 4)
        x = c["employment_service_channels"]
        out["employment_service_channels"] = _grade(x >= 4, x >= 5)
        a = _share(c, "bus_lines_realtime", "bus_lines_total")
        b = _share(c, "bus_stops_with_e_sign", "bus_stops_total")
        out["bus_arrival_prediction"] = _grade((a >= 0.9) & (b >= 0.1), (a == 1) & (b > 0.2))
        x = _share(c, "transit_trips_e_payment", "transit_trips_total")
        out["transit_e_payment"] = _grade(x >= 0.75, x > 0.9)
        h = c["households_total"]
        x = (
            c["households_smart_water_meter"] / h
            + c["households_smart_electricity_meter"] / h
            + c["households_smart_gas_meter"] / h
        ) / 3
        out["home_energy_auto_metering"] = _grade(x >= 0.75, x >= 0.9)
        x = _share(c, "departments_sharing_catalog", "government_departments_total")
        out["data_sharing"] = _grade(x >= 0.9, x == 1)
        x = c["open_data_categories_opened"] / 22
        out["open_data"] = _grade(x >= 0.9, x == 1)
        x = _share(c, "credit_units_sharing_realtime", "credit_units_total")
        out["credit_info_sharing"] = _grade(x >= 0.9, x == 1)
        x = _share(c, "it_systems_on_cloud", "it_systems_total")
        out["gov_cloud"] = _grade(x >= 0.9, x > 0.95)
        x = c["departments_in_unified_grid"]
        out["multi_grid_integration"] = _grade(x >= 4, x > 5)
        x = _share(c, "emergency_events_commanded", "emergency_events_total")
        out["emergency_command"] = _grade(x >= 0.8, x > 0.9)
        area = c["region_area"]
        x = (
            0.4 * c["air_monitored_area"] / area
            + 0.4 * c["water_monitored_area"] / area
            + 0.2 * c["noise_monitored_area"] / area
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
        out["enterprise_cloud"] = _grade(x >= 2000, x >= 3000)
        x = c["national_industrialization_bases"]
        out["industrialization_bases"] = _grade(x >= 3, x >= 4)
        x = c["provincial_digital_economy_parks"]
        out["digital_economy_parks"] = _grade(x >= 3, x >= 4)
        x = _share(c, "e_commerce_turnover", "retail_sales_total")
        out["e_commerce"] = _grade(x >= 0.2, x > 0.3)
        now = c["valid_invention_patents"] / c["population"] * 10000
        prev = c["valid_invention_patents_prev"] / c["population_prev"] * 10000
        x = (now - prev) / prev
        out["invention_patent_growth"] = _grade(x >= 0.1, x > 0.15)
        x = _share(c, "ngit_employees", "employed_total")
        out["ngit_employment_share"] = _grade(x >= 0.05, x > 0.1)
        x = c["identifier_resolution_nodes"]
        out["industrial_internet_nodes"] = _grade(x >= 1, x >= 2)
        x = _share(c, "households_fibre", "households_online")
        out["household_fibre"] = _grade(x >= 0.9, x == 1)
        x = c["download_speed"]
        out["mobile_download_speed"] = _grade(x >= 25, x >= 30)
        x = _share(c, "key_area_cameras_networked", "key_area_cameras_total")
        out["video_networking"] = np.where(x >= 0.9, 1, 0).astype(np.int8)  # five-star unknown
        hd = _share(c, "key_public_areas_hd_covered", "key_public_areas_total")
        work = _share(c, "key_area_cameras_working", "key_area_cameras_total")
        out["video_surveillance_completeness"] = _grade(
            (hd >= 0.9) & (work >= 0.9), (hd == 1) & (work == 1)
        )
        crime = _share(c, "criminal_cases_solved_with_video", "criminal_cases_solved")
        served = c["departments_served_by_video"]
        out["public_security_video"] = _grade(
            (crime >= 0.6) & (served >= 7), (crime >= 0.8) & (served >= 11)
        )
        x = c["weather_station_spacing"]
        out["weather_station_coverage"] = _grade(x < 5, x < 3)
    return out
