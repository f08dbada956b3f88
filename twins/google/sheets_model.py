"""Google Sheets spreadsheet model (owned by the Sheets part of the Google twin)."""

from __future__ import annotations

import msgspec


class Spreadsheet(msgspec.Struct, omit_defaults=True):
    """A spreadsheet's sheets and cells. Placeholder to be expanded by the Sheets implementation."""

    locale: str = "en_US"


def build_spreadsheet(sheets: dict[str, list[list[object]]]) -> Spreadsheet:
    """A spreadsheet with these sheets and values (seed hook; the Sheets implementation owns the body)."""
    return Spreadsheet()


def spreadsheet_csv(sheet: Spreadsheet) -> str:
    """The first sheet as CSV (Drive's export to text/csv)."""
    return ""
