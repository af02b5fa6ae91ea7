"""Is a literal's lexical form valid for its datatype? (XML Schema 1.1 lexical spaces.)

RDF parsers accept ``"2024-02-30"^^xsd:date`` and ``"abc"^^xsd:integer`` as they are, and rdflib
only logs them, so graphsvc checks the datatypes curated data uses itself: a regular expression per
lexical space, then the value checks a pattern cannot express (day of month, integer ranges).
Datatypes not listed here are not judged.

>>> problem("2024-02-29", XSD + "date") is None
True
>>> problem("2023-02-29", XSD + "date")
'day 29 does not exist in 2023-02'
>>> problem("300", XSD + "byte")
'300 is outside the range of xsd:byte (-128 to 127)'
"""

from __future__ import annotations

import calendar
import re

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_YEAR = r"-?(?:[1-9][0-9]{4,}|[0-9]{4})"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_DEC = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_FLOAT = rf"(?:{_DEC}(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN)"
_DURATION_DAY = r"(?:[0-9]+D)?(?:T(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?"

_PATTERNS: dict[str, str] = {
    "string": r"[\s\S]*",
    "boolean": r"true|false|1|0",
    "decimal": _DEC,
    "integer": r"[+-]?[0-9]+",
    "float": _FLOAT,
    "double": _FLOAT,
    "date": rf"(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01]){_TZ}",
    "dateTime": (
        rf"(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01])T{_TIME}{_TZ}"
    ),
    "dateTimeStamp": (
        rf"(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01])T{_TIME}"
        r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
    ),
    "time": rf"{_TIME}{_TZ}",
    "gYear": rf"{_YEAR}{_TZ}",
    "gYearMonth": rf"{_YEAR}-(?:0[1-9]|1[0-2]){_TZ}",
    "gMonth": rf"--(?:0[1-9]|1[0-2]){_TZ}",
    "gDay": rf"---(?:0[1-9]|[12][0-9]|3[01]){_TZ}",
    "gMonthDay": rf"--(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01]){_TZ}",
    "duration": r"-?P(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?" + _DURATION_DAY,
    "yearMonthDuration": r"-?P(?=[0-9])(?:[0-9]+Y)?(?:[0-9]+M)?",
    "dayTimeDuration": r"-?P(?=[0-9T])" + _DURATION_DAY,
    "hexBinary": r"(?:[0-9A-Fa-f]{2})*",
    "base64Binary": (
        r"(?:(?:[A-Za-z0-9+/]\s?){4})*(?:(?:[A-Za-z0-9+/]\s?){2}==|(?:[A-Za-z0-9+/]\s?){3}=)?"
    ),
    "anyURI": r"[^\s<>\"{}|\\^`]*",
    "language": r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*",
}
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}
_COMPILED = {name: re.compile(pattern) for name, pattern in _PATTERNS.items()}
_INTEGER = _COMPILED["integer"]


def _describe(bound: int | None, other: int | None) -> str:
    low = "-∞" if bound is None else str(bound)
    high = "∞" if other is None else str(other)
    return f"{low} to {high}"


def problem(lexical: str, datatype: str) -> str | None:
    """Why ``lexical`` is not a valid ``datatype`` value, or None when it is (or is not judged)."""
    if datatype == RDF + "langString" or not datatype.startswith(XSD):
        return None
    name = datatype[len(XSD) :]
    if name in _INTEGER_RANGES:
        if not _INTEGER.fullmatch(lexical):
            return f"{lexical!r} is not an xsd:{name} (digits with an optional sign)"
        value = int(lexical)
        low, high = _INTEGER_RANGES[name]
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{lexical} is outside the range of xsd:{name} ({_describe(low, high)})"
        return None
    pattern = _COMPILED.get(name)
    if pattern is None:
        return None
    found = pattern.fullmatch(lexical)
    if found is None:
        return f"{lexical!r} is not a valid xsd:{name}"
    groups = found.groupdict()
    if groups.get("d") and groups.get("m"):
        day, month = int(groups["d"]), int(groups["m"])
        year = int(groups["y"]) if groups.get("y") else 2000  # gMonthDay allows --02-29
        last = calendar.monthrange(year if 1 <= year <= 9999 else 2000, month)[1]
        if day > last:
            where = f"{groups['y']}-{groups['m']}" if groups.get("y") else f"month {groups['m']}"
            return f"day {day} does not exist in {where}"
    return None
