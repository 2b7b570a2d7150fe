"""The real datasets beside the checkout (``../shared/data``), never copied into it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

UCI = "online_retail_uci/online_retail.csv.gz"
OLIST_LEADS = "olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv"
OLIST_DEALS = "olist_marketing_funnel/olist_closed_deals_dataset.csv"


def data_root() -> Path:
    env = os.environ.get("SALESPULSE_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "data"


def dataset(relative: str) -> Path:
    """The file, or a skip that says where it was looked for."""
    path = data_root() / relative
    if not path.is_file():
        pytest.skip(f"real dataset {path} is absent (set SALESPULSE_SHARED_DATA to its folder)")
    return path
