"""Vietnamese personal and organisation names, drawn with numpy so a million cost little.

Frequencies follow domain.md section 3: real surname shares (Nguyễn ~38 %), Văn/Thị as the
dominant middle names (less so for people born after ~1990), gendered given names. All
names are synthetic combinations: no real person's data.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SURNAMES", "surname_probabilities", "draw_surnames", "draw_middle_given",
    "assemble", "org_brand", "ENT_SECTORS", "COOP_SECTORS",
]

# (surname, weight in the North, weight in the Centre and South). Hoàng/Huỳnh and Vũ/Võ are
# the same clans written differently north and south, so the shares move with the region.
_SURNAME_TABLE: list[tuple[str, float, float]] = [
    ("Nguyễn", 38.0, 38.0), ("Trần", 11.0, 11.0), ("Lê", 9.5, 9.5), ("Phạm", 7.1, 7.1),
    ("Hoàng", 4.6, 1.0), ("Huỳnh", 0.5, 4.1), ("Phan", 4.5, 4.5), ("Vũ", 3.4, 0.8),
    ("Võ", 0.5, 3.1), ("Đặng", 2.1, 2.1), ("Bùi", 2.0, 2.0), ("Đỗ", 1.4, 1.4), ("Hồ", 1.3, 1.3),
    ("Ngô", 1.3, 1.3), ("Dương", 1.0, 1.0), ("Lý", 0.5, 0.5), ("Đinh", 0.6, 0.5),
    ("Trương", 0.5, 0.7), ("Mai", 0.4, 0.4), ("Lâm", 0.2, 0.5), ("Đoàn", 0.5, 0.4),
    ("Trịnh", 0.5, 0.3), ("Lương", 0.4, 0.3), ("Đào", 0.5, 0.3), ("Cao", 0.4, 0.4),
    ("Tạ", 0.3, 0.2), ("Hà", 0.4, 0.2), ("Tô", 0.2, 0.2), ("Lưu", 0.3, 0.2), ("Châu", 0.1, 0.4),
    ("Quách", 0.1, 0.2), ("Vương", 0.2, 0.1), ("Kiều", 0.2, 0.1), ("Thái", 0.1, 0.3),
    ("Triệu", 0.2, 0.1), ("Hứa", 0.1, 0.2), ("Mạc", 0.1, 0.05), ("La", 0.1, 0.1),
    ("Giang", 0.1, 0.1), ("Khúc", 0.05, 0.02), ("Phùng", 0.3, 0.1), ("Tăng", 0.05, 0.1),
    ("Chu", 0.3, 0.05), ("Doãn", 0.1, 0.05), ("Nông", 0.3, 0.02), ("Lò", 0.15, 0.0),
    ("Tôn Thất", 0.02, 0.1), ("Âu Dương", 0.02, 0.03), ("Tôn", 0.05, 0.05), ("Văn", 0.05, 0.05),
]
SURNAMES = np.array([s for s, _, _ in _SURNAME_TABLE], dtype=object)
#: Index of "Tôn Thất": its women are written "Tôn Nữ".
TON_THAT = int(np.flatnonzero(SURNAMES == "Tôn Thất")[0])

_MALE_MIDDLE = {
    "Văn": 40, "Đức": 8, "Hữu": 7, "Công": 6, "Quang": 6, "Minh": 7, "Thanh": 4, "Xuân": 3,
    "Đình": 5, "Quốc": 5, "Ngọc": 2, "Trọng": 3, "Tuấn": 1, "Gia": 2, "Anh": 2, "Hoàng": 2,
    "Mạnh": 1, "Thế": 2, "Bá": 1, "Duy": 2, "Tiến": 1,
}
_FEMALE_MIDDLE = {
    "Thị": 55, "Ngọc": 8, "Thanh": 5, "Kim": 4, "Thu": 5, "Minh": 3, "Xuân": 2, "Hồng": 3,
    "Mai": 1, "Bảo": 2, "Khánh": 1, "Phương": 2, "Diệu": 1, "Hoài": 1, "Thùy": 2, "Bích": 1,
    "Hải": 1, "Quỳnh": 1, "Lan": 1,
}
# Second middle names, e.g. Nguyễn Thị *Thu* Hương, Trần Văn *Minh* Đức.
_MALE_MIDDLE2 = ["Minh", "Quốc", "Đức", "Anh", "Hoàng", "Thành", "Tuấn", "Hải", "Gia", "Bảo"]
_FEMALE_MIDDLE2 = ["Thu", "Thanh", "Ngọc", "Kim", "Hồng", "Minh", "Bích", "Thúy", "Phương", "Mỹ"]

_MALE_GIVEN = [
    "Hùng", "Tuấn", "Dũng", "Nam", "Hải", "Minh", "Long", "Huy", "Sơn", "Thành", "Anh", "Quân", "Khoa",
    "Đức", "Phúc", "Thắng", "Trung", "Hiếu", "Tài", "Bình", "Cường", "Hòa", "Lâm", "Phong", "Quang",
    "Tùng", "Vinh", "Việt", "Hoàng", "Kiên", "Lộc", "Nghĩa", "Phát", "Toàn", "Tâm", "Thịnh", "Thái",
    "Vũ", "Khánh", "Bảo", "Duy", "Đạt", "Hưng", "Kiệt", "Luân", "Mạnh", "Nhân", "Quý", "Sang", "Tiến",
    "Trí", "Trọng", "Tú", "Văn", "Chiến", "Dương", "Định", "Giang", "Hậu", "Khải", "Lợi", "Nguyên",
    "Phương", "Tân", "Thuận", "Tín", "Tường", "Hào", "Công",
]
_FEMALE_GIVEN = [
    "Anh", "Linh", "Hương", "Trang", "Hà", "Ngọc", "Thảo", "Huyền", "Phương", "Lan", "Mai", "Hạnh",
    "Hoa", "Hằng", "Nhung", "Thủy", "Yến", "Vân", "Thu", "Dung", "Loan", "Hiền", "Hồng", "Nga", "Oanh",
    "Quyên", "Tâm", "Thúy", "Trinh", "Tuyết", "Uyên", "Vy", "Xuân", "Diệp", "Giang", "Hải", "Hậu",
    "Khánh", "Liên", "Ly", "Mỹ", "Nhi", "Nhàn", "Như", "Quỳnh", "Tiên", "Trâm", "Tú", "Vi", "Chi",
    "Duyên", "Điệp", "Hòa", "Lệ", "Ngân", "Bích", "Châu", "My", "Thơ", "Thanh", "Hân",
]


def surname_probabilities(southern: bool) -> np.ndarray:
    """Normalised surname weights for one region."""
    w = np.array([s if southern else n for _, n, s in _SURNAME_TABLE], dtype=float)
    return w / w.sum()


def draw_surnames(rng: np.random.Generator, southern: np.ndarray) -> np.ndarray:
    """Surname indices into ``SURNAMES``, one per element of the boolean ``southern``."""
    out = np.empty(len(southern), dtype=np.int64)
    for flag in (False, True):
        mask = southern == flag
        out[mask] = rng.choice(len(SURNAMES), size=int(mask.sum()), p=surname_probabilities(flag))
    return out


def _weighted(rng: np.random.Generator, table: dict[str, int], size: int, boost_first: np.ndarray
              ) -> np.ndarray:
    """Draw words from ``table``; ``boost_first`` (0-1 per person) scales the top word's weight.

    Used so Văn/Thị are near-universal for older cohorts and less common for the young.
    """
    words = np.array(list(table), dtype=object)
    w = np.array(list(table.values()), dtype=float)
    rest = w[1:] / w[1:].sum()
    first = rng.random(size) < boost_first
    out = np.empty(size, dtype=object)
    out[first] = words[0]
    out[~first] = words[1:][rng.choice(len(rest), size=int((~first).sum()), p=rest)]
    return out


def draw_middle_given(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Middle name(s) and given name for each person (object arrays of str)."""
    n = len(male)
    young = np.clip((birth_year - 1960) / 45.0, 0.0, 1.0)  # 0 for the old, 1 for born >= 2005
    p_van = 0.70 - 0.45 * young
    p_thi = 0.85 - 0.55 * young
    middle = np.empty(n, dtype=object)
    middle[male] = _weighted(rng, _MALE_MIDDLE, int(male.sum()), p_van[male])
    middle[~male] = _weighted(rng, _FEMALE_MIDDLE, int((~male).sum()), p_thi[~male])
    two = rng.random(n) < 0.10
    m2 = np.array(_MALE_MIDDLE2, dtype=object)[rng.integers(0, len(_MALE_MIDDLE2), n)]
    f2 = np.array(_FEMALE_MIDDLE2, dtype=object)[rng.integers(0, len(_FEMALE_MIDDLE2), n)]
    second = np.where(male, m2, f2)
    given = np.where(
        male,
        np.array(_MALE_GIVEN, dtype=object)[rng.integers(0, len(_MALE_GIVEN), n)],
        np.array(_FEMALE_GIVEN, dtype=object)[rng.integers(0, len(_FEMALE_GIVEN), n)],
    )
    two &= (second != middle) & (second != given)
    middle[two] = middle[two] + " " + second[two]
    # A middle name equal to the given name ("Văn Văn") reads wrong: fall back to the default.
    same = middle == given
    middle[same] = np.where(male[same], "Văn", "Thị")
    return middle, given


def assemble(surname_idx: np.ndarray, male: np.ndarray, middle: np.ndarray, given: np.ndarray
             ) -> np.ndarray:
    """Full names "surname middle given"; women of the Tôn Thất clan are written Tôn Nữ."""
    sur = SURNAMES[surname_idx].copy()
    sur[(surname_idx == TON_THAT) & ~male] = "Tôn Nữ"
    return sur + " " + middle + " " + given


# Organisation names -------------------------------------------------------------------------

_BRAND_SYLLABLES = [
    "AN", "BẢO", "ĐẠI", "ĐỨC", "GIA", "HẢI", "HOÀNG", "HÒA", "HƯNG", "KHANG", "KIM", "LONG", "MINH",
    "NAM", "NGỌC", "PHÁT", "PHÚ", "PHÚC", "QUANG", "SAO", "TÂN", "THÀNH", "THIÊN", "THỊNH", "TIẾN",
    "TRƯỜNG", "VẠN", "VIỆT", "XUÂN", "THUẬN", "LỘC", "TÀI", "ÁNH", "DƯƠNG", "HỒNG", "HÀ", "SƠN",
    "PHONG", "VINH", "QUỐC", "TRUNG", "KHẢI", "NGUYÊN", "ĐÔNG", "TÂY", "BẮC", "MAI", "HOA",
]
ENT_SECTORS = np.array([
    "THƯƠNG MẠI", "DỊCH VỤ", "XÂY DỰNG", "THƯƠNG MẠI VÀ DỊCH VỤ", "SẢN XUẤT", "ĐẦU TƯ",
    "VẬN TẢI", "CÔNG NGHỆ", "THỰC PHẨM", "MAY MẶC", "XUẤT NHẬP KHẨU", "KỸ THUẬT", "TƯ VẤN",
    "BẤT ĐỘNG SẢN", "DU LỊCH", "NÔNG NGHIỆP", "CƠ KHÍ", "IN ẤN", "ĐIỆN TỬ", "THỦY SẢN",
    "ĐẦU TƯ XÂY DỰNG", "SẢN XUẤT VÀ THƯƠNG MẠI", "GIÁO DỤC", "LOGISTICS", "VẬT LIỆU XÂY DỰNG",
], dtype=object)
COOP_SECTORS = np.array([
    "NÔNG NGHIỆP", "DỊCH VỤ NÔNG NGHIỆP", "VẬN TẢI", "THỦY SẢN", "TIỂU THỦ CÔNG NGHIỆP",
    "DỊCH VỤ TỔNG HỢP", "MÔI TRƯỜNG", "CHĂN NUÔI", "RAU AN TOÀN", "THƯƠNG MẠI DỊCH VỤ",
], dtype=object)


def org_brand(rng: np.random.Generator, size: int) -> np.ndarray:
    """Two-syllable auspicious brand names (AN PHÁT, HƯNG THỊNH ...), sometimes + VIỆT NAM."""
    syl = np.array(_BRAND_SYLLABLES, dtype=object)
    a = rng.integers(0, len(syl), size)
    b = (a + rng.integers(1, len(syl), size)) % len(syl)  # never the same syllable twice
    brand = syl[a] + " " + syl[b]
    vn = rng.random(size) < 0.08
    brand[vn] = brand[vn] + " VIỆT NAM"
    return brand
