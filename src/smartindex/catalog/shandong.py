"""Shandong's first-batch new-type smart-city indicator table, Weihai edition.

Reassembled row by row from the scraped page ``seeds/000_d115dd727bd1b124.txt`` (see
``docs/reassembly.md`` for where every fragment came from). Chinese text is verbatim, with line
breaks inside a cell removed. Thresholds follow the wording table of DESIGN.md section 1.
"""

from __future__ import annotations

from smartindex.expr import (
    Input,
    amount,
    checklist,
    count,
    distance,
    growth,
    measured,
    rank,
    ratio,
    weighted_mean,
)
from smartindex.model import Catalog, Indicator, Quantity, Table
from smartindex.thresholds import (
    all_of,
    among_first,
    exactly_all,
    exceeds,
    less_than,
    missing_from_source,
    no_target,
    ranked_between,
    reaches,
)

__all__ = ["FIRST_BATCH", "SHANDONG_CITIES"]

#: Shandong has 16 cities divided into districts (设区市); the 爱山东 ranking is among them.
SHANDONG_CITIES = 16

OPERATORS = ("威海移动公司", "威海联通公司", "威海电信公司", "威海广电网络公司")


def _share(qid: str, part: Input, whole: Input, name_en: str) -> Quantity:
    """A dimensionless part-of-whole share."""
    return Quantity(qid, ratio(part, whole), "dimensionless", name_en)


def _part_whole(
    part_id: str, whole_id: str, unit: str, part_desc: str, whole_desc: str
) -> tuple[Input, Input]:
    whole = count(whole_id, unit, whole_desc)
    return count(part_id, unit, part_desc, at_most=whole), whole


# ---------------------------------------------------------------------------------------
# 表一 数字惠民建设指标
# ---------------------------------------------------------------------------------------

_app_rank = rank(
    "aishandong_app_rank",
    "Place of the city among Shandong's 16 cities by apps connected to its 爱山东 local hall "
    "(1 = most)",
    of=SHANDONG_CITIES,
)
GOV_SERVICE_APP = Indicator(
    id="gov_service_app",
    table=Table.DIGITAL_BENEFIT,
    name_zh="政务服务类APP应用",
    name_en="Government service app (爱山东) ranking",
    definition_zh="现阶段,根据各市“爱山东”应用数量排名确定得分情况",
    departments_zh=("市大数据中心",),
    quantities=(Quantity("aishandong_app_rank", _app_rank, "dimensionless", "爱山东 app ranking"),),
    four_star=all_of(
        ranked_between(
            "aishandong_app_rank",
            4,
            6,
            source="“爱山东”本地分厅接入应用数量,在全省设区市排4至6名",
        )
    ),
    five_star=all_of(
        among_first(
            "aishandong_app_rank",
            3,
            source="“爱山东”本地分厅接入应用数量,在全省设区市排名前3名",
        )
    ),
    notes=(
        "The four-star cell is the band 排4至6名; the five-star cell is 前3名. As the band below "
        "the five-star band, 'at least four stars' means rank <= 6 (a city ranked 1-3 is five-star, "
        "and therefore also meets four stars). The literal band is kept in the condition's "
        "source text and band_low.",
        "The ranking is among Shandong's 16 设区市, so ranks run from 1 to 16.",
    ),
)

_lic_part, _lic_whole = _part_whole(
    "services_with_e_license",
    "gov_services_total",
    "service_item",
    "Government service items that can be handled with an electronic licence keyed by the "
    "citizen ID number or unified social credit code",
    "All government service items",
)
E_LICENSE_USAGE = Indicator(
    id="e_license_usage",
    table=Table.DIGITAL_BENEFIT,
    name_zh="电子证照使用率",
    name_en="Electronic licence usage rate",
    definition_zh=(
        "电子证照使用率=已实现使用以公民身份号码或法人和其他组织统一社会信用代码为唯一标识的"
        "电子证照办理的政务服务事项数量/政务服务事项总数"
    ),
    departments_zh=("市行政审批服务局",),
    quantities=(_share("e_license_rate", _lic_part, _lic_whole, "Electronic licence usage rate"),),
    four_star=all_of(
        reaches(
            "e_license_rate",
            "80%",
            source="以公民身份号码或法人和其他组织统一社会信用代码为唯一标识的电子证照使用率达到80%",
        )
    ),
    five_star=all_of(
        exceeds(
            "e_license_rate",
            "85%",
            source="以公民身份号码或法人和其他组织统一社会信用代码为唯一标识的电子证照使用率超过85%",
        )
    ),
)

_hosp_total = count("public_hospitals", "hospital", "Public hospitals in the area")
_hosp_l3 = count(
    "public_hospitals_emr_level3_plus",
    "hospital",
    "Public hospitals rated level 3 or above for smart service (electronic medical records)",
    at_most=_hosp_total,
)
_hosp_l4 = count(
    "public_hospitals_emr_level4_plus",
    "hospital",
    "Public hospitals rated level 4 or above for smart service (electronic medical records)",
    at_most=_hosp_l3,
)
HOSPITAL_SMART_SERVICE = Indicator(
    id="hospital_smart_service",
    table=Table.DIGITAL_BENEFIT,
    name_zh="医院智慧服务水平",
    name_en="Hospital smart-service level",
    definition_zh=(
        "区域内二级及以上医院应用信息系统提供智慧服务的水平。参照《医院智慧服务分级评估标准体系"
        "(试行)》(国卫办医函〔2019〕236号)确定的评估方法进行评估"
    ),
    departments_zh=("市卫生健康委",),
    quantities=(
        _share("share_level3_plus", _hosp_l3, _hosp_total, "Share of public hospitals at level 3+"),
        _share("share_level4_plus", _hosp_l4, _hosp_total, "Share of public hospitals at level 4+"),
    ),
    four_star=all_of(
        reaches(
            "share_level3_plus",
            "50%",
            source="医院智慧服务(电子病历应用水平)被评为3级以上公立医院占比达到50%",
        )
    ),
    five_star=all_of(
        reaches(
            "share_level4_plus",
            "50%",
            source="医院智慧服务(电子病历应用水平)被评为4级以上公立医院占比达到50%",
        )
    ),
    notes=(
        "The definition speaks of 二级及以上医院 (hospitals of grade II and above) while both "
        "targets count 公立医院 (public hospitals). The targets decide the grade, so the "
        "denominator is the public hospitals; a city applying the definition's scope should "
        "count its public hospitals of grade II and above.",
        "The four- and five-star targets compare different quantities (level 3+ share and level "
        "4+ share). Every level-4+ hospital is also level 3+, declared as "
        "public_hospitals_emr_level4_plus <= public_hospitals_emr_level3_plus, so five stars "
        "imply four stars.",
        "3级以上 is read as 'level 3 or above' (X以上 = X or more, DESIGN.md).",
    ),
)

_campus_part, _campus_whole = _part_whole(
    "smart_campus_schools",
    "schools_total",
    "school",
    "Primary, secondary and vocational schools built as smart campuses per 鲁教科发﹝2019﹞1号",
    "Primary, secondary and vocational schools in the area",
)
SMART_CAMPUS_COVERAGE = Indicator(
    id="smart_campus_coverage",
    table=Table.DIGITAL_BENEFIT,
    name_zh="智慧校园覆盖率",
    name_en="Smart campus coverage",
    definition_zh=(
        "区域内智慧校园建设情况。参照《山东省教育信息化2.0行动计划(2019—2022)》"
        "(鲁教科发﹝2019﹞1号)有关要求执行。学校范围为中小学校、职业院校"
    ),
    departments_zh=("市教育局",),
    quantities=(_share("smart_campus_rate", _campus_part, _campus_whole, "Smart campus coverage"),),
    four_star=all_of(reaches("smart_campus_rate", "60%", source="智慧校园覆盖率达到60%")),
    five_star=all_of(reaches("smart_campus_rate", "80%", source="智慧校园覆盖率达到80%")),
    notes=(
        "The definition gives no formula. 覆盖率 (coverage) is read as smart-campus schools / all "
        "schools in scope (primary, secondary and vocational schools).",
    ),
)

SOCIAL_SECURITY_ITEMS = (
    "社保关系转移",
    "异地居住人员领取社会保险待遇资格协助认证",
    "国家异地就医结算",
    "养老保险待遇状态比对查询",
)
_ss_items = checklist(
    "social_security_services_online",
    "Cross-region social-security services handled online through the ministry/province link",
    SOCIAL_SECURITY_ITEMS,
)
SOCIAL_SECURITY_CROSS_REGION = Indicator(
    id="social_security_cross_region",
    table=Table.DIGITAL_BENEFIT,
    name_zh="社保异地业务联网办理",
    name_en="Cross-region social-security services online",
    definition_zh=(
        "社保领域跨地区、跨层级业务协同联动的情况。是否通过与部、省级异地业务联通,实现社保关系"
        "转移、异地居住人员领取社会保险待遇资格协助认证、国家异地就医结算、养老保险待遇状态比对"
        "查询等4项异地业务的联网办理情况"
    ),
    departments_zh=("市人力资源社会保障局", "市医保局"),
    quantities=(
        Quantity("services_online", _ss_items, "checklist_item", "Named services handled online"),
    ),
    four_star=all_of(
        reaches("services_online", 3, "checklist_item", source="实现3项社保异地业务联网办理事项")
    ),
    five_star=all_of(
        reaches(
            "services_online", 4, "checklist_item", source="实现4项及以上社保异地业务联网办理事项"
        )
    ),
    notes=("The list names exactly four services, so 4项及以上 means all four.",),
)

EMPLOYMENT_CHANNELS = ("互联网", "自助服务一体机", "政务微信", "政务微博", "手机APP", "电话热线")
_emp_items = checklist(
    "employment_service_channels",
    "Service channels through which employment services are open",
    EMPLOYMENT_CHANNELS,
)
EMPLOYMENT_SERVICE_CHANNELS = Indicator(
    id="employment_service_channels",
    table=Table.DIGITAL_BENEFIT,
    name_zh="就业服务渠道多元化",
    name_en="Diversity of employment service channels",
    definition_zh=(
        "通过互联网、自助服务一体机、政务微信、政务微博、手机APP、电话热线等服务模式畅通就业服务"
        "渠道情况"
    ),
    departments_zh=("市人力资源社会保障局",),
    quantities=(
        Quantity("channels", _emp_items, "checklist_item", "Employment service channels open"),
    ),
    four_star=all_of(
        reaches("channels", 4, "checklist_item", source="通过4种服务模式畅通就业服务渠道")
    ),
    five_star=all_of(
        reaches("channels", 5, "checklist_item", source="通过5种及以上服务模式畅通就业服务渠道")
    ),
    notes=(
        "The definition names six channels and ends with 等 (etc.). The checklist holds the six "
        "named channels; a city counting another channel must add it to the list in its own "
        "catalog.",
    ),
)

_bus_rt, _bus_lines = _part_whole(
    "bus_lines_realtime",
    "bus_lines_total",
    "bus_line",
    "Bus and trolleybus lines with real-time arrival prediction via website or phone",
    "Bus and trolleybus lines in the area",
)
_stops_e, _stops = _part_whole(
    "bus_stops_with_e_sign",
    "bus_stops_total",
    "bus_stop",
    "Urban bus stops with an electronic sign (screen or LED) showing real-time arrivals",
    "Urban bus stops",
)
BUS_ARRIVAL_PREDICTION = Indicator(
    id="bus_arrival_prediction",
    table=Table.DIGITAL_BENEFIT,
    name_zh="公共交通来车实时预报率",
    name_en="Real-time bus arrival prediction",
    definition_zh=(
        "包括公共汽电车来车信息实时预报率及公交电子站牌覆盖率两个方面。其中,公共汽电车来车信息"
        "实时预报率=通过网站、手机实现来车信息实时预报服务的公共汽电车线路数/区域内公共汽电车线路"
        "总数;公交电子站牌覆盖率=城区拥有通过信息屏、LED站牌形式实现公交车到站信息实时发送的"
        "“电子站牌”综合计数/城区公交站点数"
    ),
    departments_zh=("市交通运输局", "威海公交集团"),
    quantities=(
        _share(
            "realtime_prediction_rate", _bus_rt, _bus_lines, "Real-time arrival prediction rate"
        ),
        _share("e_sign_coverage", _stops_e, _stops, "Electronic bus-stop sign coverage"),
    ),
    four_star=all_of(
        reaches(
            "realtime_prediction_rate",
            "90%",
            source="公共汽电车来车实时预报率达到90%,且公交电子站牌覆盖率达到10%",
        ),
        reaches(
            "e_sign_coverage",
            "10%",
            source="公共汽电车来车实时预报率达到90%,且公交电子站牌覆盖率达到10%",
        ),
    ),
    five_star=all_of(
        exactly_all(
            "realtime_prediction_rate",
            source="公共汽电车来车实时预报率达到100%,且公交电子站牌覆盖率超过20%",
        ),
        exceeds(
            "e_sign_coverage",
            "20%",
            source="公共汽电车来车实时预报率达到100%,且公交电子站牌覆盖率超过20%",
        ),
    ),
    notes=(
        "The electronic-sign count (“电子站牌”综合计数) is counted as stops equipped with a sign, "
        "so that it is a part of the stop count and the coverage lies in [0, 1].",
    ),
)

_trips_e, _trips = _part_whole(
    "transit_trips_e_payment",
    "transit_trips_total",
    "person_trip",
    "Urban public-transport trips paid electronically (card, mobile, NFC)",
    "All urban public-transport trips (metro, bus and trolleybus)",
)
TRANSIT_E_PAYMENT = Indicator(
    id="transit_e_payment",
    table=Table.DIGITAL_BENEFIT,
    name_zh="公共交通电子支付使用率",
    name_en="Public transport electronic payment rate",
    definition_zh=(
        "公共交通乘车电子支付使用率=使用电子支付的出行人次/城区公共交通出行总人次。电子支付包括"
        "一卡通、移动支付、近场通信(NFC)支付等方式。公共交通出行包括城市轨道交通、公共汽电车等"
        "出行方式"
    ),
    departments_zh=("市交通运输局", "威海公交集团"),
    quantities=(_share("e_payment_rate", _trips_e, _trips, "Electronic payment rate"),),
    four_star=all_of(reaches("e_payment_rate", "75%", source="公共交通乘车电子支付使用率达到75%")),
    five_star=all_of(exceeds("e_payment_rate", "90%", source="公共交通乘车电子支付使用率超过90%")),
)

_households = count("households_total", "household", "Households in the area")
_meters = {
    kind: count(
        f"households_smart_{kind}_meter",
        "household",
        f"Households with a remote-reading smart {kind} meter",
        at_most=_households,
    )
    for kind in ("water", "electricity", "gas")
}
HOME_ENERGY_AUTO_METERING = Indicator(
    id="home_energy_auto_metering",
    table=Table.DIGITAL_BENEFIT,
    name_zh="家庭能源自动化采集覆盖率",
    name_en="Household energy automatic metering coverage",
    definition_zh=(
        "家庭能源自动化采集覆盖率=远传能源智能监控表数量(水、电、气)/区域内总户数。"
        "三项考核内容权重各占1/3"
    ),
    departments_zh=("市水务局", "威海供电公司", "市住房城乡建设局", "市水务集团"),
    quantities=(
        Quantity(
            "auto_metering_rate",
            weighted_mean({ratio(m, _households): "1/3" for m in _meters.values()}),
            "dimensionless",
            "Automatic metering coverage, mean of water, electricity and gas (1/3 each)",
        ),
    ),
    four_star=all_of(
        reaches("auto_metering_rate", "75%", source="家庭能源(水、电、燃气)自动化采集覆盖率达到75%")
    ),
    five_star=all_of(
        reaches("auto_metering_rate", "90%", source="家庭能源(水、电、燃气)自动化采集覆盖率达到90%")
    ),
    notes=(
        "远传能源智能监控表数量 (number of smart meters) is counted as households equipped with "
        "such a meter, one per household and energy, so each share lies in [0, 1].",
    ),
)

# ---------------------------------------------------------------------------------------
# 表二 数字政府建设指标
# ---------------------------------------------------------------------------------------

_depts_sharing, _depts_total = _part_whole(
    "departments_sharing_catalog",
    "government_departments_total",
    "department",
    "Departments that have compiled an information-resource catalogue and share it",
    "Government departments",
)
DATA_SHARING = Indicator(
    id="data_sharing",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="数据资源共享水平",
    name_en="Data resource sharing level",
    definition_zh=(
        "信息资源部门间共享率=制定信息资源目录并提供共享的部门数量/政府部门总数量。制定信息资源"
        "目录并提供共享是指制定了部门权责范围内的信息资源目录分两种情况进行建设,无条件共享必须"
        "全部共享给其他部门,有条件共享类的信息资源,应按照注明的条件和范围进行共享"
    ),
    departments_zh=("市大数据中心",),
    quantities=(
        _share("interdepartment_sharing_rate", _depts_sharing, _depts_total, "Sharing rate"),
    ),
    four_star=all_of(
        reaches("interdepartment_sharing_rate", "90%", source="信息资源部门间共享率达到90%")
    ),
    five_star=all_of(
        exactly_all("interdepartment_sharing_rate", source="信息资源部门间共享率达到100%")
    ),
)

OPEN_DATA_CATEGORIES = (
    "信用服务",
    "医疗卫生",
    "社保就业",
    "公共安全",
    "城建住房",
    "交通运输",
    "教育文化",
    "科技创新",
    "资源能源",
    "生态环境",
    "工业农业",
    "商贸流通",
    "财税金融",
    "安全生产",
    "市场监管",
    "社会救助",
    "法律服务",
    "生活服务",
    "气象服务",
    "地理空间",
    "地名地址",
    "机构团体",
)
_open = checklist(
    "open_data_categories_opened",
    "Categories of public information resources opened to society (of the 22 named)",
    OPEN_DATA_CATEGORIES,
)
OPEN_DATA = Indicator(
    id="open_data",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="公共信息资源社会开放水平",
    name_en="Public information resource openness",
    definition_zh=(
        "公共信息资源社会开放率=已开放的公共信息资源类别数量/需要开放的公共信息资源类别总数。"
        "需要开放的公共信息资源类别总数为22,包括信用服务、医疗卫生、社保就业、公共安全、城建住房、"
        "交通运输、教育文化、科技创新、资源能源、生态环境、工业农业、商贸流通、财税金融、安全生产、"
        "市场监管、社会救助、法律服务、生活服务、气象服务、地理空间、地名地址、机构团体等"
    ),
    departments_zh=("市大数据中心",),
    quantities=(
        Quantity(
            "open_data_rate",
            ratio(_open, len(OPEN_DATA_CATEGORIES), unit="dimensionless"),
            "dimensionless",
            "Share of the 22 categories opened",
        ),
    ),
    four_star=all_of(reaches("open_data_rate", "90%", source="公共信息资源社会开放率达到90%")),
    five_star=all_of(exactly_all("open_data_rate", source="公共信息资源社会开放率达到100%")),
    notes=(
        "The total is fixed at 22 named categories, so the rate is a checklist count over 22: "
        "90% needs 20 categories (19.8 rounded up), 100% needs all 22.",
    ),
)

_credit_part, _credit_whole = _part_whole(
    "credit_units_sharing_realtime",
    "credit_units_total",
    "credit_unit",
    "Social-credit system units connected to the city credit platform and sharing in real time",
    "Units taking part in building the social-credit system",
)
CREDIT_INFO_SHARING = Indicator(
    id="credit_info_sharing",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="社会信用信息部门实时共享率",
    name_en="Real-time sharing of social-credit information",
    definition_zh=(
        "社会信用信息部门实时共享率=实现实时共享社会信用信息的单位数/社会信用体系建设单位总数。"
        "实现实时共享社会信用信息是指制定了部门权责范围内的信用信息资源目录,已经接入城市信用信息"
        "平台并共享给其他部门"
    ),
    departments_zh=("市发展改革委", "市大数据中心"),
    quantities=(
        _share("credit_sharing_rate", _credit_part, _credit_whole, "Real-time sharing rate"),
    ),
    four_star=all_of(
        reaches("credit_sharing_rate", "90%", source="社会信用信息部门实时共享率达到90%")
    ),
    five_star=all_of(
        exactly_all("credit_sharing_rate", source="社会信用信息部门实时共享率达到100%")
    ),
)

_sys_cloud, _sys_total = _part_whole(
    "it_systems_on_cloud",
    "it_systems_total",
    "it_system",
    "Government business information systems migrated to the government cloud",
    "Government business information systems",
)
GOV_CLOUD = Indicator(
    id="gov_cloud",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="政务云平台应用水平",
    name_en="Government cloud adoption",
    definition_zh="政务信息系统云平台迁移率=业务系统上云数量/业务系统总数",
    departments_zh=("市大数据中心",),
    quantities=(_share("cloud_migration_rate", _sys_cloud, _sys_total, "Cloud migration rate"),),
    four_star=all_of(
        reaches("cloud_migration_rate", "90%", source="政务信息系统云平台迁移率达到90%")
    ),
    five_star=all_of(
        exceeds("cloud_migration_rate", "95%", source="政务信息系统云平台迁移率超过95%")
    ),
)

_grid_depts = count(
    "departments_in_unified_grid",
    "department",
    "Departments whose governance grids are merged into the unified multi-grid system",
)
MULTI_GRID_INTEGRATION = Indicator(
    id="multi_grid_integration",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="多网格融合水平",
    name_en="Multi-grid integration",
    definition_zh=(
        "实现生态环境、应急指挥、市场监管、城市管理等治理网格的集约化建设。其中,多网格融合内容"
        "包括但不限于划分网格、指挥体系、信息系统、网格队伍、工作流程、热线资源、指挥体系、基础数据、"
        "办理事项等"
    ),
    departments_zh=("市委政法委",),
    quantities=(
        Quantity("grid_departments", _grid_depts, "department", "Departments in one grid"),
    ),
    four_star=all_of(
        reaches("grid_departments", 4, "department", source="实现多网格合一的部门数量达到4个")
    ),
    five_star=all_of(
        exceeds("grid_departments", 5, "department", source="实现多网格合一的部门数量超过5个")
    ),
    notes=(
        "超过5个 is strictly more than five, so a city with exactly 5 departments is four-star "
        "and needs 6 for five stars.",
        "指挥体系 appears twice in the definition's list; kept verbatim.",
    ),
)

_ev_part, _ev_whole = _part_whole(
    "emergency_events_commanded",
    "emergency_events_total",
    "emergency_event",
    "Emergencies (accidents, natural disasters, public-security events) commanded through the "
    "city emergency command system",
    "All urban emergency events",
)
EMERGENCY_COMMAND = Indicator(
    id="emergency_command",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="综合应急",
    name_en="Integrated emergency command",
    definition_zh=(
        "城市应急指挥系统完成的应急指挥事件率=城市应急指挥系统完成对事故灾害、自然灾害和社会安全"
        "事件等突发公共事件应急指挥的事件数量/城市应急事件总数量"
    ),
    departments_zh=("市应急局",),
    quantities=(
        _share("emergency_command_rate", _ev_part, _ev_whole, "Events commanded by the system"),
    ),
    four_star=all_of(
        reaches(
            "emergency_command_rate", "80%", source="城市应急指挥系统完成的应急指挥事件率达到80%"
        )
    ),
    five_star=all_of(
        exceeds(
            "emergency_command_rate", "90%", source="城市应急指挥系统完成的应急指挥事件率超过90%"
        )
    ),
)

_region_area = amount("region_area", "km**2", "Total area of the region")
_env_parts = {
    name: amount(
        f"{name}_monitored_area",
        "km**2",
        f"Area covered by automatic {label} quality monitoring",
        at_most=_region_area,
    )
    for name, label in (("air", "air"), ("water", "water-body"), ("noise", "noise"))
}
ENVIRONMENT_MONITORING = Indicator(
    id="environment_monitoring",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="环境质量监测水平",
    name_en="Environmental quality monitoring",
    definition_zh=(
        "空气、水体、噪声等环境质量自动化监测率=空气、水体、噪声环境质量信息化监测覆盖面积/区域总面积。"
        "三项考核内容权重分别为40%、40%、20%"
    ),
    departments_zh=("市生态环境局",),
    quantities=(
        Quantity(
            "monitoring_weighted_rate",
            weighted_mean(
                {
                    ratio(_env_parts["air"], _region_area): "40%",
                    ratio(_env_parts["water"], _region_area): "40%",
                    ratio(_env_parts["noise"], _region_area): "20%",
                }
            ),
            "dimensionless",
            "Weighted automatic monitoring rate (air 40%, water 40%, noise 20%)",
        ),
    ),
    four_star=all_of(
        exceeds(
            "monitoring_weighted_rate",
            "80%",
            source="空气、水体、噪音等环境质量自动化监测率加权平均值超过80%",
        )
    ),
    five_star=all_of(
        exceeds(
            "monitoring_weighted_rate",
            "90%",
            source="空气、水体、噪音等环境质量自动化监测率加权平均值超过90%",
        )
    ),
    notes=(
        "The definition says 噪声 and the targets say 噪音 (both: noise); both are kept verbatim "
        "and read as the same item.",
        "The targets compare the weighted average (加权平均值) of the three rates with the "
        "definition's weights 40%, 40%, 20%.",
    ),
)

_ix_part, _ix_whole = _part_whole(
    "intersections_realtime_signal",
    "intersections_total",
    "intersection",
    "Important intersections with a real-time adaptive signal-timing system",
    "Important intersections in the area (branch-road intersections excluded)",
)
TRAFFIC_SIGNAL_TIMING = Indicator(
    id="traffic_signal_timing",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="路口实时信号配时系统比例",
    name_en="Intersections with real-time signal timing",
    definition_zh=(
        "交通路口实时信号配时系统比例=配置实时信号配时系统的交通路口数/区域路口总数。该指标统计城市"
        "重要路口,不包含支路路口"
    ),
    departments_zh=("市交警支队",),
    quantities=(
        _share("signal_timing_rate", _ix_part, _ix_whole, "Real-time signal timing share"),
    ),
    four_star=all_of(
        reaches("signal_timing_rate", "70%", source="交通路口实时信号配时系统比例达到70%")
    ),
    five_star=all_of(
        exceeds("signal_timing_rate", "90%", source="交通路口实时信号配时系统比例超过90%")
    ),
)

_pipes = {}
for _kind, _label in (("water", "water"), ("power", "electricity"), ("gas", "gas")):
    _total = amount(
        f"{_kind}_pipeline_length", "km", f"Total length of municipal {_label} pipelines"
    )
    _pipes[_kind] = (
        amount(
            f"{_kind}_pipeline_monitored_length",
            "km",
            f"Length of municipal {_label} pipelines under IoT-based intelligent monitoring",
            at_most=_total,
        ),
        _total,
    )
PIPELINE_MONITORING = Indicator(
    id="pipeline_monitoring",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="市政管网管线智能化监测管理率",
    name_en="Intelligent monitoring of municipal pipelines",
    definition_zh=(
        "市政管网管线智能化监测管理率=由物联网等技术进行智能化监测管理的城市市政管网管线长度/城市"
        "市政管网管线总长度。“智能化监测”即实现对水、电、气的运行状态进行监测、安全预警、水质监测"
        "等功能。三项考核内容权重各占1/3"
    ),
    departments_zh=("市发展改革委", "市住房城乡建设局", "市水务局", "市水务集团"),
    quantities=(
        Quantity(
            "pipeline_monitoring_rate",
            weighted_mean({ratio(part, whole): "1/3" for part, whole in _pipes.values()}),
            "dimensionless",
            "Monitored share of water, power and gas pipelines (1/3 each)",
        ),
    ),
    four_star=all_of(
        reaches("pipeline_monitoring_rate", "85%", source="市政管网管线智能化监测管理率达到85%")
    ),
    five_star=all_of(
        exactly_all("pipeline_monitoring_rate", source="市政管网管线智能化监测管理率达到100%")
    ),
    notes=(
        "The three assessed items (三项考核内容) are read as the water, electricity and gas networks "
        "named in the definition, each a monitored-length share weighted 1/3.",
    ),
)

_light_part, _light_whole = _part_whole(
    "streetlights_smart",
    "streetlights_total",
    "streetlight",
    "Urban public lights fitted with smart control (remote control, monitoring, fault alarms)",
    "Urban public lights",
)
SMART_LIGHTING = Indicator(
    id="smart_lighting",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="智能照明设备安装率",
    name_en="Smart lighting installation rate",
    definition_zh=(
        "智能照明设备安装率=城区安装智能控制设备的公共照明设备数/城区公共照明设备总数。智能照明设备"
        "是指实现对照明设施的智能化控制、监测、故障报警等管理功能的设备"
    ),
    departments_zh=("市住房城乡建设局",),
    quantities=(_share("smart_lighting_rate", _light_part, _light_whole, "Smart lighting rate"),),
    four_star=all_of(reaches("smart_lighting_rate", "90%", source="智能照明设备安装率达到90%")),
    five_star=all_of(exactly_all("smart_lighting_rate", source="智能照明设备安装率达到100%")),
)

_bld_part, _bld_whole = _part_whole(
    "key_buildings_submetered",
    "key_buildings_total",
    "building",
    "Key energy-using buildings (public buildings over 20 000 m²) with sub-metering of energy use",
    "Key energy-using buildings (public buildings over 20 000 m²)",
)
BUILDING_ENERGY_METERING = Indicator(
    id="building_energy_metering",
    table=Table.DIGITAL_GOVERNMENT,
    name_zh="建筑用能分项计量应用水平",
    name_en="Building energy sub-metering",
    definition_zh=(
        "重点用能建筑节能管理数字化覆盖率=安装了用能分项计量装置的重点用能建筑数量/重点用能建筑总数量。"
        "重点用能建筑指2万平方米以上的公共建筑"
    ),
    departments_zh=("市住房城乡建设局",),
    quantities=(
        _share("submetering_rate", _bld_part, _bld_whole, "Digital energy management coverage"),
    ),
    four_star=no_target(),
    five_star=all_of(
        reaches("submetering_rate", "90%", source="重点用能建筑节能管理数字化覆盖率达到90%")
    ),
    notes=(
        "The four-star cell is '/': no four-star target, so every city is at least four-star on "
        "this row until it reaches the five-star target.",
        "The run-together repeat of the page places this row directly before 表三, i.e. last in 表二.",
    ),
)

# ---------------------------------------------------------------------------------------
# 表三 数字经济建设指标 (order confirmed by the run-together repeat on the page)
# ---------------------------------------------------------------------------------------

_software = amount(
    "software_revenue",
    "yi_yuan",
    "Annual revenue of software and IT services, telecom business revenue included",
)
_gdp = amount("regional_gdp", "yi_yuan", "Regional GDP of the same year")
SOFTWARE_REVENUE = Indicator(
    id="software_revenue",
    table=Table.DIGITAL_ECONOMY,
    name_zh="软件业务收入",
    name_en="Software business revenue per unit of GDP",
    definition_zh=(
        "单位地区生产总值软件及相关信息服务业营业收入=当年软件及相关信息技术服务业收入"
        "(含电信业务收入)/区域GDP"
    ),
    departments_zh=("市工业和信息化局", *OPERATORS),
    quantities=(
        Quantity(
            "software_revenue_per_gdp",
            ratio(_software, _gdp),
            "dimensionless",
            "Software revenue / GDP",
        ),
    ),
    four_star=all_of(
        exceeds(
            "software_revenue_per_gdp",
            "6%",
            source="单位地区生产总值软件及相关信息服务业营业收入超过6%",
        )
    ),
    five_star=all_of(
        exceeds(
            "software_revenue_per_gdp",
            "8%",
            source="单位地区生产总值软件及相关信息服务业营业收入超过8%",
        )
    ),
    notes=(
        "Revenue is not a part of GDP (GDP counts value added), so the ratio is not bounded by 1.",
        "The definition names the sector 软件及相关信息技术服务业 and the quantity 软件及相关信息服务业; "
        "both are kept verbatim and read as the same sector.",
    ),
)

_cloud_ent = count(
    "enterprises_on_cloud", "enterprise", "Enterprises in the area using cloud services"
)
ENTERPRISE_CLOUD = Indicator(
    id="enterprise_cloud",
    table=Table.DIGITAL_ECONOMY,
    name_zh="企业上云规模",
    name_en="Enterprises on the cloud",
    definition_zh="区域内企业上云数量",
    departments_zh=("市工业和信息化局",),
    quantities=(
        Quantity("enterprises_on_cloud", _cloud_ent, "enterprise", "Enterprises on the cloud"),
    ),
    four_star=all_of(
        reaches("enterprises_on_cloud", 2000, "enterprise", source="企业上云数量达到2000家")
    ),
    five_star=all_of(
        reaches("enterprises_on_cloud", 3000, "enterprise", source="企业上云数量达到3000家")
    ),
)

_bases = count(
    "national_industrialization_bases",
    "industrial_base",
    "National new-type industrialisation demonstration bases rated by the MIIT",
)
INDUSTRIALIZATION_BASES = Indicator(
    id="industrialization_bases",
    table=Table.DIGITAL_ECONOMY,
    name_zh="国家新型工业化产业示范基地",
    name_en="National new-type industrialisation demonstration bases",
    definition_zh="工业和信息化部评定的国家新型工业化产业示范基地数量",
    departments_zh=("市工业和信息化局",),
    quantities=(Quantity("demonstration_bases", _bases, "industrial_base", "Demonstration bases"),),
    four_star=all_of(
        reaches(
            "demonstration_bases",
            3,
            "industrial_base",
            source="国家新型工业化产业示范基地数量达到3家",
        )
    ),
    five_star=all_of(
        reaches(
            "demonstration_bases",
            4,
            "industrial_base",
            source="国家新型工业化产业示范基地数量达到4家及以上",
        )
    ),
)

_parks = count(
    "provincial_digital_economy_parks",
    "digital_park",
    "Provincial digital-economy parks (pilots) built in the area",
)
DIGITAL_ECONOMY_PARKS = Indicator(
    id="digital_economy_parks",
    table=Table.DIGITAL_ECONOMY,
    name_zh="数字经济园区",
    name_en="Digital economy parks",
    definition_zh="省级数字经济园区(试点)建设数量",
    departments_zh=("市工业和信息化局",),
    quantities=(
        Quantity(
            "digital_economy_parks", _parks, "digital_park", "Provincial digital-economy parks"
        ),
    ),
    four_star=all_of(
        reaches(
            "digital_economy_parks",
            3,
            "digital_park",
            source="省级数字经济园区(试点)建设数量达到3家",
        )
    ),
    five_star=all_of(
        reaches(
            "digital_economy_parks",
            4,
            "digital_park",
            source="省级数字经济园区(试点)建设数量达到4家及以上",
        )
    ),
)

_ecom = amount("e_commerce_turnover", "yi_yuan", "E-commerce transaction volume of the year")
_retail = amount(
    "retail_sales_total", "yi_yuan", "Total retail sales of consumer goods of the year"
)
E_COMMERCE = Indicator(
    id="e_commerce",
    table=Table.DIGITAL_ECONOMY,
    name_zh="电子商务",
    name_en="E-commerce share",
    definition_zh="电商交易额占比=电商交易额/社会消费品零售总额",
    departments_zh=("市商务局",),
    quantities=(
        Quantity(
            "e_commerce_share", ratio(_ecom, _retail), "dimensionless", "E-commerce / retail sales"
        ),
    ),
    four_star=all_of(reaches("e_commerce_share", "20%", source="电商交易额占比达到20%")),
    five_star=all_of(exceeds("e_commerce_share", "30%", source="电商交易额占比超过30%")),
    notes=(
        "E-commerce turnover includes business-to-business trade and can exceed retail sales, so "
        "the share is not bounded by 1.",
    ),
)

_patents = count(
    "valid_invention_patents", "invention_patent", "Valid invention patents held at year end"
)
_pop = count("population", "person", "Total population at year end")
_patents_prev = count(
    "valid_invention_patents_prev",
    "invention_patent",
    "Valid invention patents held at the previous year end",
)
_pop_prev = count("population_prev", "person", "Total population at the previous year end")
_PER_10K = "invention_patent / ten_thousand_people"
INVENTION_PATENT_GROWTH = Indicator(
    id="invention_patent_growth",
    table=Table.DIGITAL_ECONOMY,
    name_zh="万人有效发明增幅",
    name_en="Growth of valid invention patents per 10 000 people",
    definition_zh=(
        "万人有效发明专利拥有量增幅=(当年度万人有效发明量-前一年万人有效发明量)/前一年万人有效发明量。"
        "其中,万人有效发明专利拥有量=年末有效发明专利拥有量/年末总人口"
    ),
    departments_zh=("市市场监管局",),
    quantities=(
        Quantity(
            "patents_per_10k",
            ratio(_patents, _pop, unit=_PER_10K) * 10_000,
            _PER_10K,
            "Valid invention patents per 10 000 people",
        ),
        Quantity(
            "patents_per_10k_prev",
            ratio(_patents_prev, _pop_prev, unit=_PER_10K) * 10_000,
            _PER_10K,
            "Valid invention patents per 10 000 people, previous year",
        ),
        Quantity(
            "patent_growth",
            growth(
                ratio(_patents, _pop, unit=_PER_10K) * 10_000,
                ratio(_patents_prev, _pop_prev, unit=_PER_10K) * 10_000,
            ),
            "dimensionless",
            "Growth of valid invention patents per 10 000 people",
        ),
    ),
    four_star=all_of(reaches("patent_growth", "10%", source="万人有效发明专利拥有量增幅达到10%")),
    five_star=all_of(exceeds("patent_growth", "15%", source="万人有效发明专利拥有量增幅超过15%")),
    notes=(
        "The definition's formula says 年末有效发明专利拥有量/年末总人口 (per person); the name says "
        "per 10 000 people (万人). The quantity is per 10 000 people; the growth rate is the same "
        "either way.",
        "万人有效发明量 in the growth formula is read as 万人有效发明专利拥有量.",
    ),
)

_ngit_part, _ngit_whole = _part_whole(
    "ngit_employees",
    "employed_total",
    "person",
    "People employed by new-generation IT industry enterprises (5 classes, 20 sub-classes of "
    "《战略性新兴产业分类(2018)》)",
    "Total employed population",
)
NGIT_EMPLOYMENT_SHARE = Indicator(
    id="ngit_employment_share",
    table=Table.DIGITAL_ECONOMY,
    name_zh="新一代信息技术产业就业人口占比",
    name_en="Employment share of the new-generation IT industry",
    definition_zh=(
        "新一代信息技术产业就业人口占比=新一代信息技术产业企业就业人口数/总就业人口数。反映区域内"
        "新一代信息技术产业集聚规模和对新一代信息技术产业人才的吸引力水平。按照国家统计局公布的"
        "《战略性新兴产业分类(2018)》,新一代信息技术产业分为下一代信息网络产业、电子核心产业、"
        "新兴软件和新型信息技术服务、互联网与云计算、大数据服务、人工智能等5个大类、20个小类,"
        "包含83个国民经济行业(参照国民经济行业代码(2017)"
    ),
    departments_zh=("市工业和信息化局", "市人力资源社会保障局"),
    quantities=(_share("ngit_employment_share", _ngit_part, _ngit_whole, "NGIT employment share"),),
    four_star=all_of(
        reaches("ngit_employment_share", "5%", source="新一代信息技术产业就业人口占比达到5%")
    ),
    five_star=all_of(
        exceeds("ngit_employment_share", "10%", source="新一代信息技术产业就业人口占比超过10%")
    ),
    notes=(
        "The definition stops mid-sentence in the source (参照国民经济行业代码(2017) has no closing "
        "parenthesis); it is kept as found. The formula before it is complete.",
        "The definition lists six classes but says 5个大类; kept verbatim.",
    ),
)

_nodes = count(
    "identifier_resolution_nodes",
    "identifier_node",
    "Secondary nodes of industrial-internet identifier resolution filed with the MIIT",
)
INDUSTRIAL_INTERNET_NODES = Indicator(
    id="industrial_internet_nodes",
    table=Table.DIGITAL_ECONOMY,
    name_zh="工业互联网标识解析二级节点",
    name_en="Industrial internet identifier resolution secondary nodes",
    definition_zh="工业和信息化部备案的工业互联网标识解析二级节点数量",
    departments_zh=("市工业和信息化局",),
    quantities=(
        Quantity("secondary_nodes", _nodes, "identifier_node", "Secondary resolution nodes"),
    ),
    four_star=all_of(
        reaches(
            "secondary_nodes", 1, "identifier_node", source="工业互联网标识解析二级节点数量达到1家"
        )
    ),
    five_star=all_of(
        reaches(
            "secondary_nodes", 2, "identifier_node", source="工业互联网标识解析二级节点数量达到2家"
        )
    ),
)

# ---------------------------------------------------------------------------------------
# 表四 基础设施建设指标
# ---------------------------------------------------------------------------------------

_fibre_part, _fibre_whole = _part_whole(
    "households_fibre",
    "households_online",
    "household",
    "Households reached by fibre to the home",
    "Households with internet access in the area",
)
HOUSEHOLD_FIBRE = Indicator(
    id="household_fibre",
    table=Table.INFRASTRUCTURE,
    name_zh="家庭光纤入户覆盖率",
    name_en="Fibre-to-the-home coverage",
    definition_zh="家庭光纤入户覆盖率=光纤入户覆盖家庭数/区域内上网家庭总数",
    departments_zh=OPERATORS,
    quantities=(_share("fibre_coverage", _fibre_part, _fibre_whole, "Fibre-to-the-home coverage"),),
    four_star=all_of(reaches("fibre_coverage", "90%", source="家庭光纤入户覆盖率达到90%")),
    five_star=all_of(exactly_all("fibre_coverage", source="家庭光纤入户覆盖率达到100%")),
)

_speed = measured(
    "download_speed",
    "Mbit/s",
    "Mean mobile download speed measured on site (top hospitals, hubs, shopping areas, parks, "
    "residential areas)",
)
MOBILE_DOWNLOAD_SPEED = Indicator(
    id="mobile_download_speed",
    table=Table.INFRASTRUCTURE,
    name_zh="移动通信网络平均下载速率",
    name_en="Mean mobile network download speed",
    definition_zh=(
        "移动通信网络平均下载速率,测试场景为三甲医院、交通枢纽、知名商圈、大型公园等公共场所和居民区,"
        "以实地采样、测试数据为准"
    ),
    departments_zh=OPERATORS,
    quantities=(Quantity("download_speed", _speed, "Mbit/s", "Mean download speed"),),
    four_star=all_of(
        reaches("download_speed", 25, "Mbit/s", source="移动通信网络平均下载速率达到25Mbit/s")
    ),
    five_star=all_of(
        reaches("download_speed", 30, "Mbit/s", source="移动通信网络平均下载速率达到30Mbit/s")
    ),
    notes=("Speeds are in megabits per second; 1 MB/s (megabyte) is 8 Mbit/s.",),
)

_cams_total = count(
    "key_area_cameras_total", "camera", "Surveillance cameras in the city's key public areas"
)
_cams_net = count(
    "key_area_cameras_networked",
    "camera",
    "Key-area cameras connected to the video-image sharing platform",
    at_most=_cams_total,
)
VIDEO_NETWORKING = Indicator(
    id="video_networking",
    table=Table.INFRASTRUCTURE,
    name_zh="视频监控联网率",
    name_en="Video surveillance networking rate",
    definition_zh=(
        "城市重点公共区域视频监控联网率=已经接入视频图像共享平台的城市重点公共区域内视频监控摄像机"
        "数量/城市重点公共区域内视频监控摄像机总数量。该指标中提及的城市重点区域的范围按照公安主管"
        "部门要求并结合城市情况确定"
    ),
    departments_zh=(),
    quantities=(_share("networking_rate", _cams_net, _cams_total, "Video networking rate"),),
    four_star=all_of(
        reaches("networking_rate", "90%", source="城市重点公共区域视频监控联网率达到90%")
    ),
    five_star=missing_from_source(
        "The page keeps only this row's four-star cell (城市重点公共区域视频监控联网率达到90%); its "
        "five-star cell and its department cell are lost. No other fragment of the page fits them."
    ),
    notes=(
        "Five-star target missing from the source: a city at or above 90% is four-star and whether "
        "it is five-star cannot be decided (reported as unknown).",
        "Department missing from the source: every department line of the page is accounted for "
        "by another row. The definition refers to the public-security authority (公安主管部门), "
        "but no department is assigned without the source saying so.",
    ),
)

_areas_total = count("key_public_areas_total", "key_area", "Key public areas of the city")
_areas_hd = count(
    "key_public_areas_hd_covered",
    "key_area",
    "Key public areas covered by high-definition video surveillance",
    at_most=_areas_total,
)
_cams_ok = count(
    "key_area_cameras_working",
    "camera",
    "Key-area surveillance cameras in good working order",
    at_most=_cams_total,
)
VIDEO_SURVEILLANCE_COMPLETENESS = Indicator(
    id="video_surveillance_completeness",
    table=Table.INFRASTRUCTURE,
    name_zh="视频监控完善程度",
    name_en="Video surveillance completeness",
    definition_zh=(
        "包括城市重点公共区域高清视频监控覆盖率与城市重点公共区域视频监控摄像机完好率两个方面。其中,"
        "城市重点公共区域高清视频监控覆盖率=高清视频监控已经覆盖的城市重点公共区域数量/城市重点公共区域"
        "数量;城市重点公共区域视频监控摄像机完好率=城市重点公共区域完好视频监控摄像机数量/城市重点公共"
        "区域视频监控摄像机总量。该指标中提及的城市重点区域的范围按照公安主管部门要求并结合城市情况确定"
    ),
    departments_zh=("市公安局",),
    quantities=(
        _share("hd_coverage", _areas_hd, _areas_total, "HD video coverage of key public areas"),
        _share("camera_working_rate", _cams_ok, _cams_total, "Share of key-area cameras working"),
    ),
    four_star=all_of(
        reaches(
            "hd_coverage",
            "90%",
            source="城市重点公共区域高清视频监控覆盖率、视频监控摄像机完好率均达到90%以上",
        ),
        reaches(
            "camera_working_rate",
            "90%",
            source="城市重点公共区域高清视频监控覆盖率、视频监控摄像机完好率均达到90%以上",
        ),
    ),
    five_star=all_of(
        exactly_all(
            "hd_coverage",
            source="城市重点公共区域高清视频监控覆盖率、视频监控摄像机完好率均达到100%",
        ),
        exactly_all(
            "camera_working_rate",
            source="城市重点公共区域高清视频监控覆盖率、视频监控摄像机完好率均达到100%",
        ),
    ),
    notes=(
        "The definition's last sentence (该指标中提及的城市重点区域…) stands on its own line of the "
        "page just before this row's targets; it is joined to this row's definition.",
        "The camera total is the same input as in video_networking (key_area_cameras_total).",
    ),
)

_cases_total = count(
    "criminal_cases_solved", "criminal_case", "Criminal cases solved by the police in the year"
)
_cases_video = count(
    "criminal_cases_solved_with_video",
    "criminal_case",
    "Criminal cases solved with the help of surveillance video in the year",
    at_most=_cases_total,
)
_served = count(
    "departments_served_by_video",
    "department",
    "Other government departments served by public-security video images",
)
PUBLIC_SECURITY_VIDEO = Indicator(
    id="public_security_video",
    table=Table.INFRASTRUCTURE,
    name_zh="公共安全视频图像应用",
    name_en="Use of public-security video images",
    definition_zh=(
        "公共安全视频图像支撑服务社会管理情况。包括公共安全视频图像支撑打击犯罪的贡献率及公共安全视频"
        "图像服务政府其他职能部门情况两个方面。其中,公共安全视频图像支撑打击犯罪的贡献率=年度公安机关"
        "利用视频监控协助查破的刑事案件数量/年度公安机关查破的刑事案件总数"
    ),
    departments_zh=("市公安局",),
    quantities=(
        _share(
            "crime_contribution_rate",
            _cases_video,
            _cases_total,
            "Video contribution to solved cases",
        ),
        Quantity("departments_served", _served, "department", "Other departments served"),
    ),
    four_star=all_of(
        reaches(
            "crime_contribution_rate",
            "60%",
            source="公共安全视频图像支撑打击犯罪的贡献率达到60%,且服务政府其他职能部门的个数不少于7个",
        ),
        reaches(
            "departments_served",
            7,
            "department",
            source="公共安全视频图像支撑打击犯罪的贡献率达到60%,且服务政府其他职能部门的个数不少于7个",
        ),
    ),
    five_star=all_of(
        reaches(
            "crime_contribution_rate",
            "80%",
            source="公共安全视频图像支撑打击犯罪的贡献率达到80%,且服务政府其他职能部门的个数不少于11个",
        ),
        reaches(
            "departments_served",
            11,
            "department",
            source="公共安全视频图像支撑打击犯罪的贡献率达到80%,且服务政府其他职能部门的个数不少于11个",
        ),
    ),
)

_spacing = distance(
    "weather_station_spacing",
    "Mean spacing between neighbouring automatic weather stations in the urban area",
)
WEATHER_STATION_COVERAGE = Indicator(
    id="weather_station_coverage",
    table=Table.INFRASTRUCTURE,
    name_zh="气象自动监测点覆盖情况",
    name_en="Automatic weather station coverage",
    definition_zh="气象自动监测点密度",
    departments_zh=("市气象局",),
    quantities=(Quantity("station_spacing", _spacing, "km", "Mean spacing of weather stations"),),
    four_star=all_of(
        less_than("station_spacing", 5, "km", source="城区气象自动监测点密度小于5公里间距")
    ),
    five_star=all_of(
        less_than("station_spacing", 3, "km", source="城区气象自动监测点密度小于3公里间距")
    ),
    notes=(
        "The targets state a density as a spacing (小于5公里间距). The quantity is the mean spacing "
        "between neighbouring stations in km, lower is better; how the mean is measured is not "
        "defined by the source.",
    ),
)

FIRST_BATCH = Catalog(
    id="shandong_first_batch",
    title_zh="山东省首批新型智慧城市建设指标及责任分工",
    title_en="Shandong first-batch new-type smart city indicators and responsibilities (Weihai)",
    four_star_due="2021-10",
    source="seeds/000_d115dd727bd1b124.txt",
    indicators=(
        GOV_SERVICE_APP,
        E_LICENSE_USAGE,
        HOSPITAL_SMART_SERVICE,
        SMART_CAMPUS_COVERAGE,
        SOCIAL_SECURITY_CROSS_REGION,
        EMPLOYMENT_SERVICE_CHANNELS,
        BUS_ARRIVAL_PREDICTION,
        TRANSIT_E_PAYMENT,
        HOME_ENERGY_AUTO_METERING,
        DATA_SHARING,
        OPEN_DATA,
        CREDIT_INFO_SHARING,
        GOV_CLOUD,
        MULTI_GRID_INTEGRATION,
        EMERGENCY_COMMAND,
        ENVIRONMENT_MONITORING,
        TRAFFIC_SIGNAL_TIMING,
        PIPELINE_MONITORING,
        SMART_LIGHTING,
        BUILDING_ENERGY_METERING,
        SOFTWARE_REVENUE,
        ENTERPRISE_CLOUD,
        INDUSTRIALIZATION_BASES,
        DIGITAL_ECONOMY_PARKS,
        E_COMMERCE,
        INVENTION_PATENT_GROWTH,
        NGIT_EMPLOYMENT_SHARE,
        INDUSTRIAL_INTERNET_NODES,
        HOUSEHOLD_FIBRE,
        MOBILE_DOWNLOAD_SPEED,
        VIDEO_NETWORKING,
        VIDEO_SURVEILLANCE_COMPLETENESS,
        PUBLIC_SECURITY_VIDEO,
        WEATHER_STATION_COVERAGE,
    ),
    notes=(
        "Four-star targets are due before October 2021 (四星(2021年10月前完成)).",
        "The scraped page does not keep row order. 表三's order is taken from the run-together "
        "repeat on the page; building_energy_metering is last in 表二 for the same reason. Other "
        "rows follow the order of the tables' themes; ids, not positions, are the stable keys.",
        "Rows are assigned to tables by the 一级指标 labels near their fragments and by theme: the "
        "video-surveillance rows and the weather-station row sit with 基础设施建设指标, the "
        "city-management rows (environment, signals, pipelines, lighting, building energy) with "
        "数字政府建设指标.",
    ),
)
