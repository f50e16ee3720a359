"""The generator's frames as canonical tables (ARCHITECTURE.md): exactly the columns and values a
correct mapping reads back from the databases, typed the way ``warehouse.store.conform`` types them."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from warehouse.schema import TABLES

MONEY = {"total_charge", "charge_amount", "paid_amount", "patient_responsibility", "amount", "allowed_amount"}


def cents_to_decimal(values: pd.Series) -> pd.Series:
    return values.map(lambda v: None if v is None or pd.isna(v) else (Decimal(int(v)) / 100).quantize(Decimal("0.01")))


def canonical(table: str, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """One generator frame as the canonical table of ``source`` (money in the frames is in cents)."""
    from warehouse.store import conform

    spec = TABLES[table]
    out = pd.DataFrame(index=frame.index)
    for col in spec.all_columns:
        if col.name == "source_system" or col.name not in frame.columns:
            continue
        values = frame[col.name]
        if col.name in MONEY:
            values = cents_to_decimal(values)
        elif col.type == "str":
            values = values.astype(object).where(values.notna(), None)
        out[col.name] = values
    return conform(table, out, source)


def canonical_tables(frames: dict[str, pd.DataFrame], source: str) -> dict[str, pd.DataFrame]:
    return {t: canonical(t, f, source) for t, f in frames.items()}


def digits(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    d = "".join(c for c in str(value) if c.isdigit())
    return d or None
