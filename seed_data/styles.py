"""How each PMS stores the same facts: the legacy one in capitals with its own phone and address
layout, the new one in mixed case. Applied to canonical frames, so the frames equal what the mapping
files read back from the databases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seed_data.practice import rng_for

TIME_ZONES = {"TX": "America/Chicago", "CO": "America/Denver", "NC": "America/New_York", "OH": "America/New_York",
              "GA": "America/New_York", "AZ": "America/Phoenix", "TN": "America/Chicago", "MN": "America/Chicago",
              "OR": "America/Los_Angeles", "FL": "America/New_York", "WA": "America/Los_Angeles"}


def _upper(s: pd.Series) -> pd.Series:
    return s.map(lambda x: x.upper() if isinstance(x, str) else x)


def dashed_phone(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def paren_phone(digits: str) -> str:
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def legacy_style(frames: dict[str, pd.DataFrame], seed: int) -> None:
    r = rng_for(seed, "legacy-style")
    p = frames["patients"]
    digits = p["phone"].to_numpy()
    cell = r.random(len(p)) < 0.62
    p["_cell_phone"] = np.where(cell, [dashed_phone(d) if isinstance(d, str) else None for d in digits], None)
    p["_home_phone"] = np.where(cell, None, digits)
    p["phone"] = np.where(cell, p["_cell_phone"], p["_home_phone"])
    for col in ("first_name", "last_name", "address_line", "city"):
        p[col] = _upper(p[col])
    split = p["address_line"].str.split(" APT ", n=1, regex=False)
    p["_addr1"] = split.str[0]
    p["_addr2"] = split.map(lambda x: "APT " + x[1] if isinstance(x, list) and len(x) > 1 else None)
    prov = frames["providers"]
    prov["_first"] = _upper(prov["first"])
    prov["_last"] = _upper(prov["last"])
    prov["name"] = prov["_first"] + " " + prov["_last"]
    codes = {"PT": "DPT", "PTA": "PTA", "OT": "OTR/L", "COTA": "COTA/L", "SLP": "CCC-SLP", "SLPA": "SLPA"}
    prov["_cred_code"] = prov["credential"].map(codes)
    mpt = (prov["credential"] == "PT") & (r.random(len(prov)) < 0.3)
    prov.loc[mpt, "_cred_code"] = "MPT"


def new_style(frames: dict[str, pd.DataFrame]) -> None:
    p = frames["patients"]
    p["phone"] = p["phone"].map(lambda d: paren_phone(d) if isinstance(d, str) and d.isdigit() and len(d) == 10 else d)
    loc = frames["locations"]
    loc["_tz"] = loc["state"].map(TIME_ZONES)
