"""Household businesses (hộ kinh doanh): their owners, communes and addresses.

About one per 20 residents (domain.md section 6: 5.2 M for ~100 M people). Most trade at the
owner's home; the others in another commune of the province, at a shop-house (a resident
household's address) or at an address no household has. Some owners are outside the
population extract.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.addresses import street_addresses
from sample_data.people import unique_ints
from sample_data.reference import Geography
from sample_data.util import choose, replace_some, rng_for, sample_in_groups, zfill

__all__ = ["make_household_businesses"]

_HKD_KIND = ["Cửa hàng tạp hóa", "Quán cơm", "Tiệm sửa xe", "Quán cà phê", "Tiệm may", "Cửa hàng điện thoại",
             "Tiệm tóc", "Quán phở", "Cửa hàng vật liệu xây dựng", "Đại lý gas", "Tiệm vàng", "Nhà thuốc",
             "Quán bún bò", "Cửa hàng quần áo", "Tiệm bánh"]


def make_household_businesses(seed: int, geo: Geography, people: pd.DataFrame, as_of: date,
                              p_outside: float = 0.0, p_shophouse: float = 0.8) -> pd.DataFrame:
    """Household businesses; the owner usually trades at home.

    A business away from home is, with probability ``p_shophouse``, at the address of a resident
    household of its commune (a shop-house), else at an address no household has. About
    ``p_outside`` of the owners are outside the population extract.
    """
    rng = rng_for(seed, "hkd")
    residents = people["resident"].to_numpy()
    n = max(10, round(int(residents.sum()) * 0.05))
    age = people["age"].to_numpy()
    adult = (age >= 20) & (age <= 75)
    pool = np.flatnonzero(adult & residents)
    owner = pool[rng.integers(0, len(pool), n)]
    owner = replace_some(rng, owner, np.flatnonzero(adult & ~residents), p_outside)
    own_ward = people["ward_i"].to_numpy()[owner]
    ward_pop = people[residents].groupby("ward_i").size()
    wi = ward_pop.index.to_numpy()
    other = sample_in_groups(rng, wi, geo.ward_province[wi], geo.ward_province[own_ward])
    elsewhere = rng.random(n) < 0.3
    ward_i = np.where(elsewhere, other, own_ward)
    df = pd.DataFrame({"owner": owner, "ward_i": ward_i})
    df["ward"] = geo.ward_codes[ward_i]
    df["province"] = geo.ward_province[ward_i]
    letters = np.array(list("ABCDEF"), dtype=object)
    serial = unique_ints(rng, np.zeros(n, dtype=np.int64), 0, 6_000_000)
    df["business_id"] = zfill(df["province"].to_numpy(), 2) + letters[serial // 1_000_000] + "8" + \
        zfill(serial % 1_000_000, 6)
    given = people["full_name"].to_numpy()[owner]
    given = np.array([s.rsplit(" ", 1)[-1] for s in given], dtype=object)
    df["business_name"] = choose(rng, _HKD_KIND, n) + " " + given
    df["tax_method"] = np.where(rng.random(n) < 0.6, "declaration", "presumptive")
    df["status"] = np.array(["active", "suspended", "closed"], dtype=object)[rng.choice(3, n, p=[0.8, 0.1, 0.1])]
    # a shop-house: the address of a resident household of the business's commune
    res_i = np.flatnonzero(residents)
    shop = sample_in_groups(rng, res_i, people["ward_i"].to_numpy()[res_i], ward_i)
    at_shop = elsewhere & (rng.random(n) < p_shophouse)
    nowhere = street_addresses(rng, n)
    addr = people["address"].to_numpy()
    df["address"] = np.where(at_shop, addr[shop], np.where(elsewhere, nowhere, addr[owner]))
    df["at_home"] = ~elsewhere
    emp = rng.integers(0, 6, n)
    df["employees"] = np.where(rng.random(n) < 0.5, "", emp.astype(str).astype(object))
    return df
