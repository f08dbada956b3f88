"""Google Sheets spreadsheet model (owned by the Sheets part of the Google twin)."""

from __future__ import annotations

import msgspec


class Spreadsheet(msgspec.Struct, omit_defaults=True):
    """A spreadsheet's sheets and cells. Placeholder to be expanded by the Sheets implementation."""

    locale: str = "en_US"
