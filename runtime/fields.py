"""Bounded input types the request models of every service share.

Every string has a maximum length, every list a maximum size, every date and moment lies in a
range the calendar code can compute with, and a page number keeps its offset far inside a
64-bit integer. Control characters are refused for all fields by runtime.guards; `Line` also
refuses the line breaks (tab, LF, CR) that free text (`Text`) may have.
"""
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

# Dates and moments of this era: far from date.min/max, so no calendar step overflows.
EERSTE_DAG, LAATSTE_DAG = date(1900, 1, 1), date(2999, 12, 31)
MAX_PAGE = 100_000


def _one_line(value: str) -> str:
    for char in ("\t", "\n", "\r"):
        if char in value:
            raise PydanticCustomError("control_character", "{char} (a tab or line break) is not allowed: "
                                      "one line of text", {"char": f"U+{ord(char):04X}"})
    return value


def Line(max_length: int, min_length: int = 0) -> Any:
    """One line of text (a name, a code, a phone number)."""
    return Annotated[str, Field(min_length=min_length or None, max_length=max_length),
                     AfterValidator(_one_line)]


def Text(max_length: int, min_length: int = 0) -> Any:
    """Free text: may have lines and tabs."""
    return Annotated[str, Field(min_length=min_length or None, max_length=max_length)]


def _unique(items: list) -> list:
    seen = set()
    for index, item in enumerate(items):
        if item in seen:
            raise PydanticCustomError("duplicate", "item {index} ({item}) is given twice; each may be "
                                      "given once", {"index": index, "item": str(item)})
        seen.add(item)
    return items


# A list whose items are each given once (JSON Schema uniqueItems).
UNIQUE = (AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True}))


def _in_era(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not EERSTE_DAG <= day <= LAATSTE_DAG:
        raise PydanticCustomError("out_of_range", "give a date from {first} to {last}",
                                  {"first": str(EERSTE_DAG), "last": str(LAATSTE_DAG)})
    return value


Datum = Annotated[date, AfterValidator(_in_era)]
# A moment with its UTC offset, in the same range.
Moment = Annotated[AwareDatetime, AfterValidator(_in_era)]

Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE}.")]
