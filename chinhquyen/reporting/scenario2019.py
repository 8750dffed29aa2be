"""The 2019 inspection scenario (issue #5; DOMAIN.md §0; the articles in the seeds): the eight
northern provinces the Prime Minister's working group inspected in August 2019, loaded through
the platform's own services so that the reporting centre *computes* what the inspectors found.

Figures of the seeds, reproduced exactly by the data (docs/reporting.md, "The 2019 inspection
scenario"):

- share of digitally signed documents sent to the Government Office through the national
  document axis, 12/3–20/8/2019 (``edoc.signed_share``, period ``2019``): Vĩnh Phúc 17.9 %,
  Hải Dương 35.5 %, Bắc Giang 100 %; Hải Phòng, Hà Nội, Bắc Ninh, Thái Nguyên "nearly 100 %";
- 6 of the 8 (all but Hà Nội and Bắc Giang) did not follow the required signature format
  (``edoc.signature_format_share``, 2019 version: the rule before Decree 30/2020);
- in 2017 only 11.54 % of the level-3/4 online services received any online dossier
  (``online.services_used_share``, nation, period ``2017``: 30 of 260 here); Hải Dương offered by
  far the most (1,700+ level 3 and 118 level 4 in the seeds, scaled 1:20 here: 85 and 6);
  Bắc Ninh recorded no online dossier at all (its 2017 ``online.dossiers_share`` is a real 0 %).

Everything else is **illustrative**: the other provinces' numbers of services, the dossiers and
their dates, the numbers of documents, personal signatures and format shares, Phú Thọ's signed
share, the agency ids, procedure codes and names, and the people. The seeds' 11.54 % is a figure
over all 63 provinces; here it is computed over these eight, the only provinces with a 2017
catalogue in the demo, so it holds on a database that has no other 2017 catalogue.

Idempotent: everything is written in one transaction, and a database that already has the
scenario's agencies is left as it is.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import transaction

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SOURCE = "scenario2019"

# Agency ids (QCVN 102:2016 shape, illustrative): the level-1 part is the letter T and the GSO
# code of the pre-2025 province, so they cannot collide with the demo's "H" ids
# (units.services.agencies_seed_demo). The Government Office keeps the id it has in the
# Government Office's own edXML samples (interop/edxml).
GOVERNMENT_OFFICE_ID = "000.00.00.G22"
GOVERNMENT_OFFICE_NAME = "Văn phòng Chính phủ"


def pc_id(code: str) -> str:
    """The province's People's Committee: sends the documents to the Government Office."""
    return f"000.00.00.T{code}"


def one_stop_id(code: str) -> str:
    """The one-stop sections of the province's departments, taken together: receives dossiers."""
    return f"000.00.01.T{code}"


@dataclass(frozen=True)
class Province:
    code: str  # GSO code of the pre-2025 province
    abbr: str  # prefix of its 2017 local procedure codes and of its accounts (illustrative)
    level3: int  # level-3 online services of its 2017 catalogue
    level4: int  # level-4 online services
    used: int  # of them, how many received at least one online dossier in 2017
    online: int  # online dossiers in 2017 (spread over the ``used`` services)
    counter: int  # dossiers received at the counter in 2017
    sent: int  # documents sent to the Government Office, 12/3–20/8/2019
    signed: int  # of them, with a valid digital signature
    personal: int  # of the signed, also with the competent person's own signature
    format_ok: int  # of the signed, in the required signature format

    @property
    def services(self) -> int:
        return self.level3 + self.level4


# Seeds: the signed shares of Vĩnh Phúc (17/95 = 17.9 %), Hải Dương (22/62 = 35.5 %) and Bắc Giang
# (100 %), "nearly 100 %" for Hải Phòng, Hà Nội, Bắc Ninh, Thái Nguyên (98.3–99.2 % here); the
# format: only Hà Nội and Bắc Giang complied; Hải Dương's count of services (1,700+ and 118,
# scaled 1:20 to keep the demo's load time down: 85 and 6); Bắc Ninh's zero online dossiers; the
# national 30 / 260 = 11.54 %. Every other number is illustrative, Phú Thọ's signed share
# (52/80 = 65 %) included.
PROVINCES: tuple[Province, ...] = (
    Province("01", "HNI", 24, 6, 7, 9, 14, 240, 238, 150, 238),
    Province("31", "HPG", 21, 5, 5, 6, 12, 160, 158, 40, 20),
    Province("27", "BNH", 20, 4, 0, 0, 14, 120, 118, 30, 0),
    Province("24", "BGG", 18, 4, 4, 4, 10, 100, 100, 80, 100),
    Province("19", "TNN", 19, 3, 3, 3, 10, 90, 89, 20, 9),
    Province("26", "VPC", 19, 3, 4, 4, 10, 95, 17, 5, 0),
    Province("25", "PTO", 20, 3, 4, 4, 10, 80, 52, 10, 0),
    Province("30", "HDG", 85, 6, 3, 4, 14, 62, 22, 4, 0),
)

# The 2017 local catalogues (illustrative): the same procedure was published by each province
# under its own code, at provincial level and again for the districts and the communes.
FIELDS = {
    "ho-tich": "Hộ tịch",
    "chung-thuc": "Chứng thực",
    "ho-kinh-doanh": "Thành lập và hoạt động của hộ kinh doanh",
    "doanh-nghiep": "Thành lập và hoạt động doanh nghiệp",
    "xay-dung": "Hoạt động xây dựng",
    "dat-dai": "Đất đai",
    "bao-tro-xa-hoi": "Bảo trợ xã hội",
    "giam-ngheo": "Giảm nghèo",
    "thuong-mai": "Lưu thông hàng hóa trong nước",
    "lao-dong": "Việc làm (lao động nước ngoài)",
    "duoc-pham": "Dược phẩm",
    "moi-truong": "Môi trường",
    "giao-duc": "Giáo dục và Đào tạo",
    "giao-thong": "Sát hạch, cấp giấy phép lái xe",
    "ly-lich-tu-phap": "Lý lịch tư pháp",
}
# (field, name, result, working days)
TEMPLATES: tuple[tuple[str, str, str, int], ...] = (
    ("ho-tich", "Đăng ký khai sinh", "Giấy khai sinh", 5),
    ("ho-tich", "Đăng ký kết hôn", "Giấy chứng nhận kết hôn", 5),
    ("ho-tich", "Đăng ký khai tử", "Trích lục khai tử", 5),
    ("ho-tich", "Cấp bản sao trích lục hộ tịch", "Bản sao trích lục hộ tịch", 5),
    ("ho-tich", "Đăng ký thay đổi, cải chính hộ tịch", "Trích lục thay đổi hộ tịch", 5),
    ("ho-tich", "Cấp Giấy xác nhận tình trạng hôn nhân", "Giấy xác nhận tình trạng hôn nhân", 5),
    ("chung-thuc", "Chứng thực hợp đồng, giao dịch về động sản", "Hợp đồng được chứng thực", 5),
    ("chung-thuc", "Chứng thực văn bản thỏa thuận phân chia di sản", "Văn bản được chứng thực", 5),
    ("chung-thuc", "Chứng thực chữ ký trong giấy tờ, văn bản", "Giấy tờ được chứng thực", 5),
    ("ho-kinh-doanh", "Đăng ký thành lập hộ kinh doanh", "Giấy chứng nhận đăng ký", 5),
    ("ho-kinh-doanh", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Giấy chứng nhận", 5),
    ("ho-kinh-doanh", "Tạm ngừng hoạt động hộ kinh doanh", "Giấy xác nhận", 5),
    ("ho-kinh-doanh", "Chấm dứt hoạt động hộ kinh doanh", "Thông báo", 5),
    ("doanh-nghiep", "Đăng ký thành lập doanh nghiệp tư nhân", "Giấy chứng nhận", 5),
    ("doanh-nghiep", "Đăng ký thành lập công ty TNHH một thành viên", "Giấy chứng nhận", 5),
    ("doanh-nghiep", "Đăng ký thay đổi người đại diện theo pháp luật", "Giấy chứng nhận", 5),
    ("doanh-nghiep", "Đăng ký thay đổi địa chỉ trụ sở chính", "Giấy chứng nhận", 5),
    ("doanh-nghiep", "Thông báo tạm ngừng kinh doanh", "Giấy xác nhận", 5),
    ("xay-dung", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Giấy phép xây dựng", 15),
    ("xay-dung", "Cấp giấy phép xây dựng công trình không theo tuyến", "Giấy phép", 20),
    ("xay-dung", "Điều chỉnh giấy phép xây dựng", "Giấy phép điều chỉnh", 10),
    ("xay-dung", "Gia hạn giấy phép xây dựng", "Giấy phép được gia hạn", 5),
    ("xay-dung", "Cấp giấy phép sửa chữa, cải tạo công trình", "Giấy phép", 15),
    ("xay-dung", "Cấp giấy phép di dời công trình", "Giấy phép di dời", 15),
    ("dat-dai", "Đăng ký biến động do chuyển nhượng quyền sử dụng đất", "Giấy chứng nhận", 10),
    ("dat-dai", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "Giấy chứng nhận", 7),
    ("dat-dai", "Đăng ký thế chấp quyền sử dụng đất", "Đơn đăng ký được chứng nhận", 5),
    ("dat-dai", "Chuyển mục đích sử dụng đất", "Quyết định cho phép", 15),
    ("dat-dai", "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất", "Giấy chứng nhận", 10),
    ("dat-dai", "Đính chính Giấy chứng nhận đã cấp", "Giấy chứng nhận đã đính chính", 10),
    ("bao-tro-xa-hoi", "Trợ cấp xã hội hằng tháng đối với người cao tuổi", "Quyết định", 15),
    ("bao-tro-xa-hoi", "Hỗ trợ chi phí mai táng", "Quyết định hỗ trợ", 5),
    ("bao-tro-xa-hoi", "Xác định, xác định lại mức độ khuyết tật", "Giấy xác nhận", 20),
    ("bao-tro-xa-hoi", "Trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở", "Quyết định", 10),
    ("giam-ngheo", "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm", "Giấy chứng nhận", 10),
    ("giam-ngheo", "Công nhận hộ thoát nghèo, hộ thoát cận nghèo", "Quyết định công nhận", 10),
    ("thuong-mai", "Cấp Giấy phép bán lẻ sản phẩm rượu", "Giấy phép", 10),
    ("thuong-mai", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", "Giấy phép", 10),
    ("thuong-mai", "Cấp Giấy chứng nhận đủ điều kiện bán lẻ xăng dầu", "Giấy chứng nhận", 15),
    ("thuong-mai", "Cấp lại Giấy phép bán lẻ sản phẩm rượu", "Giấy phép", 7),
    ("lao-dong", "Cấp giấy phép lao động cho người nước ngoài", "Giấy phép lao động", 5),
    ("lao-dong", "Cấp lại giấy phép lao động", "Giấy phép lao động", 5),
    ("lao-dong", "Xác nhận không thuộc diện cấp giấy phép lao động", "Văn bản xác nhận", 5),
    ("lao-dong", "Đăng ký nội quy lao động", "Thông báo", 7),
    ("duoc-pham", "Cấp chứng chỉ hành nghề dược", "Chứng chỉ hành nghề", 20),
    ("duoc-pham", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược", "Giấy chứng nhận", 20),
    ("duoc-pham", "Cấp lại chứng chỉ hành nghề dược", "Chứng chỉ hành nghề", 10),
    ("moi-truong", "Xác nhận đăng ký kế hoạch bảo vệ môi trường", "Giấy xác nhận", 10),
    ("moi-truong", "Cấp sổ đăng ký chủ nguồn thải chất thải nguy hại", "Sổ đăng ký", 15),
    ("moi-truong", "Thẩm định phương án cải tạo, phục hồi môi trường", "Quyết định", 20),
    ("moi-truong", "Cấp giấy phép xả nước thải vào nguồn nước", "Giấy phép", 20),
    ("giao-duc", "Chuyển trường đối với học sinh trung học cơ sở", "Văn bản đồng ý", 5),
    ("giao-duc", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Bản sao văn bằng", 5),
    ("giao-duc", "Cho phép trung tâm ngoại ngữ, tin học hoạt động", "Quyết định", 15),
    ("giao-duc", "Công nhận trường mầm non đạt chuẩn quốc gia", "Quyết định", 20),
    ("giao-duc", "Xét, cấp học bổng chính sách", "Quyết định", 10),
    ("giao-thong", "Đổi giấy phép lái xe do ngành giao thông vận tải cấp", "Giấy phép", 5),
    ("giao-thong", "Cấp lại giấy phép lái xe", "Giấy phép lái xe", 10),
    ("giao-thong", "Cấp giấy phép xe tập lái", "Giấy phép xe tập lái", 5),
    ("giao-thong", "Đăng ký khai thác tuyến vận tải hành khách cố định", "Thông báo", 10),
    ("ly-lich-tu-phap", "Cấp Phiếu lý lịch tư pháp cho công dân", "Phiếu lý lịch tư pháp", 10),
    ("ly-lich-tu-phap", "Cấp Phiếu lý lịch tư pháp theo yêu cầu cơ quan", "Phiếu lý lịch", 10),
)
LEVEL_SUFFIXES = ("", " (cấp huyện)", " (cấp xã)")
EFFECTIVE_FROM = "2016-01-01"  # illustrative: in force through 2017 and 2019 ...
EFFECTIVE_TO = "2021-01-01"  # ... and replaced by the national catalogue's codes since
FORM = {
    "type": "object",
    "required": ["ho_ten"],
    "properties": {"ho_ten": {"type": "string", "title": "Họ và tên người nộp", "minLength": 1}},
    "examples": [{"ho_ten": "Nguyễn Văn Hùng"}],
}
APPLICANTS = (
    "Nguyễn Văn Hùng",
    "Trần Thị Mai",
    "Lê Minh Tuấn",
    "Phạm Thị Hoa",
    "Hoàng Văn Nam",
    "Vũ Thị Lan",
    "Đặng Quốc Bảo",
    "Bùi Thị Thu",
    "Đỗ Văn Long",
    "Ngô Thị Hạnh",
)
DOCUMENT_SUBJECTS = (
    ("Báo cáo", "BC-UBND", "Báo cáo tình hình triển khai Chính phủ điện tử"),
    ("Công văn", "UBND-KSTT", "Về việc kết nối Hệ thống một cửa điện tử với Cổng dịch vụ công"),
    ("Báo cáo", "BC-UBND", "Báo cáo kết quả thực hiện Nghị quyết 02/NQ-CP"),
    ("Công văn", "UBND-TH", "Về việc góp ý dự thảo Nghị định về thực hiện thủ tục hành chính"),
    ("Công văn", "UBND-KGVX", "Về việc triển khai Nghị quyết 17/NQ-CP về Chính phủ điện tử"),
    ("Báo cáo", "BC-UBND", "Báo cáo công tác kiểm soát thủ tục hành chính"),
    ("Công văn", "UBND-KT", "Về việc thực hiện kết luận của Tổ công tác của Thủ tướng"),
)
WINDOW = (dt.date(2019, 3, 12), dt.date(2019, 8, 20))  # the axis's first months (seeds)
ASSESSED_AT = dt.datetime(2019, 8, 23, 17, 0, tzinfo=VN)  # before the meeting of 29/8/2019
GOVERNMENT_DOCUMENTS = 24  # illustrative: sent by the Government Office to all eight


def _spread(index: int, count: int, total: int) -> bool:
    """Whether item ``index`` of ``total`` is one of ``count`` spread evenly among them."""
    return (index + 1) * count // total > index * count // total


def _working_days(start: dt.date, end: dt.date, *, weekdays=range(5)) -> list[dt.date]:
    from chinhquyen.workdays.calendar import is_working_day

    days, day = [], start
    while day <= end:
        if day.weekday() in weekdays and is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN)


def scenario2019_load(stdout: TextIO | None = None) -> dict[str, Any]:
    """Load the scenario once (see the module's docstring). Needs the pre-2025 units
    (``units_load`` with the 0.6.0 data, ``make setup``); without them it skips and says so.
    Also (re)loads the indicator catalogue, whose 2017 and 2019 versions the scenario is read
    with (a database migrated before they were added to the data file lacks them)."""
    from chinhquyen.reporting.indicators import indicators_load
    from chinhquyen.units.models import AdministrativeUnit, Agency, Generation, UnitLevel

    started = time.monotonic()
    indicators_load()
    ours = [f(p.code) for p in PROVINCES for f in (pc_id, one_stop_id)]
    present = Agency.objects.filter(agency_id__in=ours).count()
    if present == len(ours):
        return {"loaded": False, "reason": "already there"}
    if present:
        raise RuntimeError(
            f"scenario2019: {present} of its {len(ours)} agencies exist already; "
            "remove them or load into another database"
        )
    units = {
        u.code: u
        for u in AdministrativeUnit.objects.filter(
            generation=Generation.LEGACY,
            level=UnitLevel.PROVINCE,
            code__in=[p.code for p in PROVINCES],
        )
    }
    if len(units) < len(PROVINCES):
        message = "scenario2019: skipped, the pre-2025 provinces are not loaded (make setup)"
        if stdout is not None:
            stdout.write(message + "\n")
        return {"loaded": False, "reason": message}
    with transaction.atomic():
        counts = _load(units)
    return {"loaded": True, **counts, "seconds": round(time.monotonic() - started, 1)}


def _load(units: dict) -> dict[str, int]:
    office = _government_office()
    agencies, people = {}, {}
    for province in PROVINCES:
        agencies[province.code] = _agencies(province, units[province.code])
        people[province.code] = _people(province, agencies[province.code][1])
    procedures = _catalogue(agencies)
    dossiers = 0
    for province in PROVINCES:
        dossiers += _dossiers(province, procedures[province.code], people[province.code])
    lines = _registers(office, agencies)
    return {
        "agencies": 2 * len(PROVINCES),
        "procedures": sum(len(v) for v in procedures.values()),
        "dossiers": dossiers,
        "register_lines": lines,
    }


# --- agencies and people ----------------------------------------------------------------------


def _government_office():
    from chinhquyen.units.models import Agency, AgencyKind
    from chinhquyen.units.services import agency_create

    existing = Agency.objects.filter(agency_id=GOVERNMENT_OFFICE_ID).first()
    return existing or agency_create(
        agency_id=GOVERNMENT_OFFICE_ID,
        name=GOVERNMENT_OFFICE_NAME,
        kind=AgencyKind.GOVERNMENT_OFFICE,
        address="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
    )


def _of_province(unit) -> str:
    """The unit's name as it follows a noun: "tỉnh Bắc Ninh", "thành phố Hà Nội"."""
    return unit.name[:1].lower() + unit.name[1:]


def _agencies(province: Province, unit):
    """The People's Committee and the one-stop sections of the departments, attached to the
    pre-2025 province: inactive, as every agency of an abolished unit is."""
    from chinhquyen.units.models import AgencyKind
    from chinhquyen.units.services import agency_create

    pc = agency_create(
        agency_id=pc_id(province.code),
        name=f"Ủy ban nhân dân {_of_province(unit)}",
        kind=AgencyKind.PROVINCE_PC,
        unit=unit,
        is_active=False,
    )
    one_stop = agency_create(
        agency_id=one_stop_id(province.code),
        name=f"Bộ phận tiếp nhận và trả kết quả các sở, ngành {_of_province(unit)}",
        kind=AgencyKind.DEPARTMENT,
        parent=pc,
        unit=unit,
        is_active=False,
    )
    return pc, one_stop


def _people(province: Province, one_stop) -> dict[str, Any]:
    """The one-stop section's counter officer, leader and handler, and one applicant account for
    the online dossiers; none can sign in (no password)."""
    from chinhquyen.accounts.services import user_create

    prefix = f"{province.abbr.lower()}2017"
    staff = {
        "counter": ("motcua", "Cán bộ một cửa"),
        "leader": ("lanhdao", "Lãnh đạo bộ phận"),
        "handler": ("chuyenvien", "Chuyên viên"),
    }
    people = {
        role: user_create(
            username=f"{prefix}-{login}",
            password=None,
            full_name=f"{title} ({province.abbr}, 2017)",
            roles=[role],
            agency=one_stop,
        )
        for role, (login, title) in staff.items()
    }
    people["citizen"] = user_create(
        username=f"{prefix}-congdan",
        password=None,
        full_name=APPLICANTS[int(province.code) % len(APPLICANTS)],
        roles=["citizen"],
    )
    return people


# --- the 2017 catalogues ----------------------------------------------------------------------


def _procedure_record(province: Province, index: int, *, level4: bool) -> dict[str, Any]:
    field, name, result, days = TEMPLATES[index % len(TEMPLATES)]
    cycle = index // len(TEMPLATES) % len(LEVEL_SUFFIXES)
    level = 4 if level4 else 3
    method = (
        "Trực tiếp tại Bộ phận tiếp nhận và trả kết quả; trực tuyến mức độ 4 trên Cổng dịch "
        "vụ công của tỉnh (nộp hồ sơ, nộp phí và nhận kết quả qua mạng)"
        if level4
        else "Trực tiếp tại Bộ phận tiếp nhận và trả kết quả; trực tuyến mức độ 3 trên Cổng "
        "dịch vụ công của tỉnh (nộp hồ sơ qua mạng, nhận kết quả trực tiếp)"
    )
    return {
        "code": f"{province.abbr}-2017-{index + 1:04d}",
        "name": name + LEVEL_SUFFIXES[cycle],
        "field": field,
        "levels": ["province"] if cycle == 0 else ["commune"],
        "online_mode": "full" if level4 else "partial",
        "legacy_level": level,
        "steps": "Bước 1: Nộp hồ sơ trực tiếp hoặc trực tuyến.\n"
        "Bước 2: Bộ phận tiếp nhận và trả kết quả kiểm tra, tiếp nhận hồ sơ.\n"
        "Bước 3: Cơ quan chuyên môn giải quyết.\nBước 4: Nhận kết quả.",
        "method": method,
        "processing_time": days,
        "time_unit": "days",
        "applicants": "Cá nhân, tổ chức",
        "implementing_agency": "Cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh",
        "fees": [],
        "result_type": result,
        "legal_basis": [
            "Nghị định số 43/2011/NĐ-CP ngày 13/6/2011 của Chính phủ (dịch vụ công trực tuyến "
            f"mức độ {level})"
        ],
        "requirements": "",
        "decision_number": f"{1000 + int(province.code) * 7}/QĐ-UBND",
        "decision_date": "2015-12-25",
        "effective_from": EFFECTIVE_FROM,
        "effective_to": EFFECTIVE_TO,
        "agency_kinds": [],
        "documents": [
            {
                "code": "don",
                "name": "Đơn đề nghị (theo mẫu)",
                "originals": 1,
                "copies": 0,
                "is_required": True,
                "template_name": "",
                "template_url": "",
            }
        ],
        "form_schema": FORM,
    }


def _catalogue(agencies) -> dict[str, list]:
    """Each province's 2017 catalogue through the catalogue's import (one all-or-nothing file),
    each procedure received by the province's one-stop sections."""
    import json

    from chinhquyen.catalogue.models import Field, Procedure
    from chinhquyen.catalogue.services import catalogue_import, procedure_link_agencies

    records = []
    for province in PROVINCES:
        for index in range(province.services):
            level4 = _spread(index, province.level4, province.services)
            records.append(_procedure_record(province, index, level4=level4))
    known = set(Field.objects.values_list("code", flat=True))
    document = {
        "format": "chinhquyen.catalogue/1",
        "fields": [{"code": c, "name": n} for c, n in FIELDS.items() if c not in known],
        "procedures": records,
    }
    report = catalogue_import(
        file_name=f"{SOURCE}.json", content=json.dumps(document, ensure_ascii=False).encode()
    )
    report.raise_if_failed()
    by_code = {p.code: p for p in Procedure.objects.filter(code__in=[r["code"] for r in records])}
    result: dict[str, list] = {}
    for province in PROVINCES:
        one_stop = agencies[province.code][1]
        mine = [by_code[f"{province.abbr}-2017-{i + 1:04d}"] for i in range(province.services)]
        for procedure in mine:
            procedure_link_agencies(procedure=procedure, agencies=[one_stop])
        result[province.code] = mine
    return result


# --- 2017 dossiers ----------------------------------------------------------------------------


def _dossiers(province: Province, procedures: list, people: dict) -> int:
    """The province's 2017 dossiers, each taken to its result through the standard workflow:
    ``online`` of them submitted online to the ``used`` services, ``counter`` at the counter."""
    from chinhquyen.dossiers.models import Channel
    from chinhquyen.dossiers.services import Applicant, dossier_act, dossier_submit
    from chinhquyen.workdays.calendar import next_working_day

    total = len(procedures)
    used = [p for i, p in enumerate(procedures) if _spread(i, province.used, total)]
    plan = [(used[j % len(used)], Channel.ONLINE) for j in range(province.online)]
    plan += [
        (procedures[j * total // province.counter], Channel.COUNTER)
        for j in range(province.counter)
    ]
    # Monday to Wednesday, so that each dossier is done within its week (time limits ≥ 5 days).
    days = _working_days(dt.date(2017, 2, 13), dt.date(2017, 12, 13), weekdays=range(3))
    offset = int(province.code) % 5
    one_stop_id_ = people["counter"].profile.agency.agency_id
    for k, (procedure, channel) in enumerate(plan):
        day = days[(k * len(days) // len(plan) + offset) % len(days)]
        applicant = APPLICANTS[(k + offset) % len(APPLICANTS)]
        submitted = _at(day, 8, 10 + (k % 5) * 9)
        if channel == Channel.ONLINE:
            dossier = dossier_submit(
                user=people["citizen"],
                procedure_code=procedure.code,
                agency_id=one_stop_id_,
                form_data={"ho_ten": people["citizen"].profile.full_name},
                at=submitted,
            )
        else:
            dossier = dossier_submit(
                user=people["counter"],
                procedure_code=procedure.code,
                agency_id=one_stop_id_,
                form_data={"ho_ten": applicant},
                channel=Channel.COUNTER,
                applicant=Applicant(name=applicant),
                at=submitted,
            )
        next_day = next_working_day(day)
        steps = (
            ("counter", "accept", {}, _at(day, 9, 30)),
            ("leader", "assign", {"assignee": people["handler"].username}, _at(day, 10, 30)),
            ("leader", "approve", {}, _at(next_day, 14)),
            ("handler", "finish", {}, _at(next_day, 15)),
            ("counter", "return_result", {}, _at(next_working_day(next_day), 9)),
        )
        for role, action, params, when in steps:
            dossier = dossier_act(
                user=people[role], code=dossier.code, action=action, params=params, at=when
            )
    return len(plan)


# --- the document axis, 12/3–20/8/2019 --------------------------------------------------------


def _registers(office, agencies) -> int:
    """What the national axis carried between the eight and the Government Office, as the
    registers of both ends record it, with the signature assessment behind the inspectors'
    figures. Signed documents carry the agency's signature; unsigned ones have no format to
    assess (null), so the format share is over the signed ones, as the indicator defines it."""
    from chinhquyen.exchange.models import RegisterDirection
    from chinhquyen.exchange.services import RegisterLineIn, document_id_make, register_import

    days = _working_days(*WINDOW)
    received_by_office: list[RegisterLineIn] = []
    lines = 0
    for province in PROVINCES:
        pc = agencies[province.code][0]
        out: list[RegisterLineIn] = []
        signed_so_far = 0
        for i in range(province.sent):
            day = days[i * len(days) // province.sent]
            at = _at(day, 9 + i % 7, (i * 13) % 60)
            kind, notation, subject = DOCUMENT_SUBJECTS[i % len(DOCUMENT_SUBJECTS)]
            number = str(400 + i)
            if _spread(i, province.signed, province.sent):
                verdicts = {
                    "personal_signature_valid": _spread(
                        signed_so_far, province.personal, province.signed
                    ),
                    "agency_signature_valid": True,
                    "decree30_ok": _spread(signed_so_far, province.format_ok, province.signed),
                }
                signed_so_far += 1
            else:
                verdicts = {"personal_signature_valid": False, "agency_signature_valid": False}
            common = {
                "document_id": document_id_make(
                    agency_id=pc.agency_id, date=day, number=number, notation=notation
                ),
                "code_number": number,
                "code_notation": notation,
                "promulgation_date": day,
                "document_type": kind,
                "subject": subject,
                "assessed_at": ASSESSED_AT,
                **verdicts,
            }
            out.append(
                RegisterLineIn(
                    counterpart_id=office.agency_id,
                    counterpart_name=office.name,
                    at=at,
                    status="03",
                    **common,
                )
            )
            received_by_office.append(
                RegisterLineIn(
                    counterpart_id=pc.agency_id,
                    counterpart_name=pc.name,
                    at=at + dt.timedelta(minutes=1),
                    **common,
                )
            )
        lines += register_import(
            agency_id=pc.agency_id, direction=RegisterDirection.OUT, lines=out, source=SOURCE
        )
    lines += register_import(
        agency_id=office.agency_id,
        direction=RegisterDirection.IN,
        lines=received_by_office,
        source=SOURCE,
    )
    return lines + _office_documents(office, agencies, days)


def _office_documents(office, agencies, days) -> int:
    """Documents the Government Office sent to all eight (illustrative), signed in the format."""
    from chinhquyen.exchange.models import RegisterDirection
    from chinhquyen.exchange.services import RegisterLineIn, document_id_make, register_import

    sent: list[RegisterLineIn] = []
    received: dict[str, list[RegisterLineIn]] = {p.code: [] for p in PROVINCES}
    for i in range(GOVERNMENT_DOCUMENTS):
        day = days[i * len(days) // GOVERNMENT_DOCUMENTS]
        number = str(1800 + i * 37)
        common = {
            "document_id": document_id_make(
                agency_id=office.agency_id, date=day, number=number, notation="VPCP-KSTT"
            ),
            "code_number": number,
            "code_notation": "VPCP-KSTT",
            "promulgation_date": day,
            "document_type": "Công văn",
            "subject": "Về việc triển khai nhiệm vụ xây dựng Chính phủ điện tử và cải cách thủ "
            "tục hành chính",
            "personal_signature_valid": True,
            "agency_signature_valid": True,
            "decree30_ok": True,
            "assessed_at": ASSESSED_AT,
        }
        at = _at(day, 16, 30)
        for province in PROVINCES:
            pc = agencies[province.code][0]
            sent.append(
                RegisterLineIn(
                    counterpart_id=pc.agency_id,
                    counterpart_name=pc.name,
                    at=at,
                    status="03",
                    **common,
                )
            )
            received[province.code].append(
                RegisterLineIn(
                    counterpart_id=office.agency_id,
                    counterpart_name=office.name,
                    at=at + dt.timedelta(minutes=2),
                    **common,
                )
            )
    lines = register_import(
        agency_id=office.agency_id, direction=RegisterDirection.OUT, lines=sent, source=SOURCE
    )
    for province in PROVINCES:
        lines += register_import(
            agency_id=agencies[province.code][0].agency_id,
            direction=RegisterDirection.IN,
            lines=received[province.code],
            source=SOURCE,
        )
    return lines
