"""Numbers, dates and number formats the way Sheets shows them (en_US locale).

Dates are serial numbers (days since 1899-12-30, the fraction being the time of day); a
number format (`{"type": "DATE", "pattern": "yyyy-mm-dd"}`) decides how a value is shown."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

EPOCH = _dt.datetime(1899, 12, 30)
ERRORS = frozenset({"#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#ERROR!", "#NULL!"})

DATE_PATTERNS: dict[str, str] = {"DATE": "M/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "M/d/yyyy H:mm:ss",
                                 "PERCENT": "0.00%", "CURRENCY": '"$"#,##0.00', "NUMBER": "#,##0.00",
                                 "SCIENTIFIC": "0.00E+00", "TEXT": "@"}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

_NUM = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_CURRENCY = re.compile(r"^([+-]?)\$\s?(\d{1,3}(?:,\d{3})*(?:\.\d*)?|\d+(?:\.\d*)?)$")
_PERCENT = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))\s?%$")
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")


def num(v: float) -> int | float:
    """A number as Sheets hands it out: integral values as ints."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def serial(d: _dt.datetime) -> int | float:
    delta = d - EPOCH
    return num(delta.days + delta.seconds / 86400)


def from_serial(v: float) -> _dt.datetime:
    return EPOCH + _dt.timedelta(days=v)


def general(v: Any) -> str:
    """A value shown with the automatic format."""
    if v is None:
        return ""
    if v is True:
        return "TRUE"
    if v is False:
        return "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        out = f"{v:.10g}"
        return out.replace("e+", "E+").replace("e-", "E-")
    return str(v)


def parse_number(text: str) -> tuple[int | float, dict[str, str] | None] | None:
    """A number typed by a user and the number format it implies, or None when it is no number."""
    s = text.strip()
    if not s:
        return None
    if _NUM.match(s):
        try:
            return num(float(s)), None
        except ValueError:
            return None
    if _THOUSANDS.match(s):
        v = float(s.replace(",", ""))
        return num(v), {"type": "NUMBER", "pattern": "#,##0.00" if "." in s else "#,##0"}
    m = _CURRENCY.match(s)
    if m:
        v = float(m.group(2).replace(",", ""))
        return num(-v if m.group(1) == "-" else v), {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    m = _PERCENT.match(s)
    if m:
        v = float(m.group(1)) / 100
        pattern = "0%" if float(m.group(1)).is_integer() else "0.00%"
        return num(round(v, 15)), {"type": "PERCENT", "pattern": pattern}
    return None


def parse_date(text: str) -> tuple[int | float, dict[str, str]] | None:
    """A date, date-time or time typed by a user, as a serial number and its format."""
    s = text.strip()
    m = _ISO.match(s)
    try:
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            sep = s[4]
            pat = f"yyyy{sep}mm{sep}dd"
            return _dated(y, mo, d, m.group(4), m.group(5), m.group(6), pat)
        m = _US.match(s)
        if m:
            mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            return _dated(y, mo, d, m.group(4), m.group(5), m.group(6), "M/d/yyyy")
        m = _TIME.match(s)
        if m:
            h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            ampm = (m.group(4) or "").lower()
            if ampm:
                if not 1 <= h <= 12:
                    return None
                h = h % 12 + (12 if ampm == "pm" else 0)
            if h > 23 or mi > 59 or sec > 59:
                return None
            return num(round((h * 3600 + mi * 60 + sec) / 86400, 12)), {"type": "TIME", "pattern": "h:mm:ss am/pm"}
    except ValueError:
        return None
    return None


def _dated(y: int, mo: int, d: int, h: str | None, mi: str | None, sec: str | None,
           pat: str) -> tuple[int | float, dict[str, str]]:
    when = _dt.datetime(y, mo, d, int(h or 0), int(mi or 0), int(sec or 0))
    if h is None:
        return serial(when), {"type": "DATE", "pattern": pat}
    return serial(when), {"type": "DATE_TIME", "pattern": pat + " H:mm:ss"}


# -- rendering ------------------------------------------------------------------------------------

def render(v: Any, fmt: dict[str, Any] | None) -> str:
    """The FORMATTED_VALUE of an effective value under a cell's number format."""
    if v is None:
        return ""
    if fmt is None or isinstance(v, bool) or not isinstance(v, int | float):
        return general(v)
    kind = fmt.get("type", "NUMBER")
    pattern = fmt.get("pattern") or DATE_PATTERNS.get(kind, "")
    if not pattern or pattern.upper() == "GENERAL":
        return general(v)
    if pattern == "@":
        return general(v)
    if kind in ("DATE", "TIME", "DATE_TIME"):
        try:
            return format_date(from_serial(float(v)), pattern)
        except (OverflowError, ValueError):
            return general(v)
    return format_number(float(v), pattern)


def format_number(v: float, pattern: str) -> str:
    """A number under a number pattern (`#,##0.00`, `0%`, `"$"#,##0.00`, `0.00E+00`)."""
    section = _sections(pattern)[1 if v < 0 and len(_sections(pattern)) > 1 else 0]
    explicit_negative = v < 0 and len(_sections(pattern)) > 1
    prefix, core, suffix = _split_literals(section)
    if "%" in prefix + suffix:
        v *= 100
    elif "%" in core:
        v *= 100
        suffix = core[core.index("%"):].replace("0", "").replace("#", "") + suffix
        core = core[:core.index("%")]
    if "E" in core.upper():
        mant = core.upper().split("E")[0]
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        body = f"{abs(v):.{decimals}E}"
        m, _, e = body.partition("E")
        body = f"{m}E{e[0]}{int(e[1:]):02d}"
    else:
        int_part, _, dec_part = core.partition(".")
        need = dec_part.count("0")
        allow = need + dec_part.count("#") + dec_part.count("?")
        grouped = "," in int_part
        body = f"{abs(v):,.{allow}f}" if grouped else f"{abs(v):.{allow}f}"
        if allow > need and "." in body:
            whole, _, frac = body.partition(".")
            frac = frac[:need] + frac[need:].rstrip("0")
            body = whole + ("." + frac if frac else "")
        if int_part.replace(",", "").startswith("#") and body.startswith("0") and (
                "." in body or abs(v) < 1) and int_part.count("0") == 0:
            body = body[1:] if body != "0" else body
    sign = "-" if v < 0 and not explicit_negative and float(body.replace(",", "").replace("E", "e") or 0) != 0 else ""
    return sign + prefix + body + suffix


def _sections(pattern: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in pattern:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def _split_literals(section: str) -> tuple[str, str, str]:
    """(literal prefix, numeric core, literal suffix) of one pattern section."""
    parts: list[tuple[bool, str]] = []  # (is_literal, text)
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            j = section.find('"', i + 1)
            j = len(section) if j < 0 else j
            parts.append((True, section[i + 1:j]))
            i = j + 1
        elif ch == "\\" and i + 1 < len(section):
            parts.append((True, section[i + 1]))
            i += 2
        elif ch in "0#?.,%Ee+-" and not (ch in "+-" and not parts):
            parts.append((False, ch))
            i += 1
        elif ch in "_*":
            i += 2
        elif ch == "[":
            j = section.find("]", i)
            i = len(section) if j < 0 else j + 1
        else:
            parts.append((True, ch))
            i += 1
    first = next((k for k, (lit, _) in enumerate(parts) if not lit), len(parts))
    last = max((k for k, (lit, _) in enumerate(parts) if not lit), default=-1)
    prefix = "".join(t for _, t in parts[:first])
    core = "".join(t for _, t in parts[first:last + 1])
    suffix = "".join(t for _, t in parts[last + 1:])
    return prefix, core, suffix


_DATE_TOKEN = re.compile(r'"[^"]*"|\\.|yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\.0+|.',
                         re.IGNORECASE)


def format_date(d: _dt.datetime, pattern: str) -> str:
    """A date under a date pattern (`yyyy-mm-dd`, `M/d/yyyy`, `h:mm:ss am/pm`, `mmm d, yyyy`)."""
    tokens = _DATE_TOKEN.findall(pattern)
    has_ampm = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if low in ("m", "mm"):
            prev = next((t.lower() for t in reversed(tokens[:i]) if t.strip(" :/-.,") and t[0] != '"'), "")
            nxt = next((t.lower() for t in tokens[i + 1:] if t.strip(" :/-.,") and t[0] != '"'), "")
            minutes = prev.startswith("h") or nxt.startswith("s")
            n = d.minute if minutes else d.month
            out.append(f"{n:02d}" if low == "mm" else str(n))
        elif low == "yyyy":
            out.append(f"{d.year:04d}")
        elif low == "yy":
            out.append(f"{d.year % 100:02d}")
        elif low == "mmmm":
            out.append(_MONTHS[d.month - 1])
        elif low == "mmm":
            out.append(_MONTHS[d.month - 1][:3])
        elif low == "dddd":
            out.append(_DAYS[d.weekday()])
        elif low == "ddd":
            out.append(_DAYS[d.weekday()][:3])
        elif low in ("d", "dd"):
            out.append(f"{d.day:02d}" if low == "dd" else str(d.day))
        elif low in ("h", "hh"):
            h = d.hour % 12 or 12 if has_ampm else d.hour
            out.append(f"{h:02d}" if low == "hh" else str(h))
        elif low in ("s", "ss"):
            out.append(f"{d.second:02d}" if low == "ss" else str(d.second))
        elif low in ("am/pm", "a/p"):
            am = d.hour < 12
            out.append(("AM" if am else "PM") if low == "am/pm" else ("A" if am else "P"))
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        elif tok.startswith("\\"):
            out.append(tok[1:])
        elif tok.startswith(".0"):
            out.append("." + f"{d.microsecond:06d}"[:len(tok) - 1])
        else:
            out.append(tok)
    return "".join(out)


def date_string(v: Any, fmt: dict[str, Any] | None) -> Any:
    """dateTimeRenderOption=FORMATTED_STRING: a dated value as its formatted string, others unchanged."""
    if fmt is not None and fmt.get("type") in ("DATE", "TIME", "DATE_TIME") and isinstance(v, int | float) \
            and not isinstance(v, bool):
        return render(v, fmt)
    return v


__all__ = ["ERRORS", "date_string", "format_date", "format_number", "general", "num", "parse_date",
           "parse_number", "render", "serial"]
