"""The kinds of value a card file holds, each refused with the project's Danish message.

A kind is a type plus a check that runs *before* pydantic's own, so a wrong value is
described the way an editor reads it (``forventede tekst, fandt tallet 12345678``), not
in pydantic's English. What a column takes (length, integer range, phone number, e-mail,
web address, choices) is read from the Django model the shape is written to, so the
file is refused where the database would have failed.
"""

import datetime as dt
import functools
import re
from typing import Annotated, Any, ClassVar, TypeVar, get_args, get_origin

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import connection, models
from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator, model_serializer
from pydantic_core import PydanticCustomError

from config.formatting import InvalidPhoneNumber, phone_normalise
from contacts.fields import PhoneField

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAPPING = "en tabel (nøgle: værdi)"


def problem(message: str) -> PydanticCustomError:
    """A pydantic error that carries the project's message as it is."""
    return PydanticCustomError("card_file", "{message}", {"message": message})


def describe(value) -> str:
    if value is None:
        return "ingenting (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int) and abs(value) >= 10**18:
        return "et meget stort tal (sæt anførselstegn om tekst og telefonnumre)"
    if isinstance(value, int | float):
        return f"tallet {value} (sæt anførselstegn om tekst og telefonnumre)"
    if isinstance(value, list):
        return "en liste"
    if isinstance(value, dict):
        return "en tabel"
    return f"»{value}«"


def _is_iso_date(value) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _kind(description: str, check, *, nullable=False, convert=None):
    def validate(value):
        if value is None and nullable:
            return None
        if not check(value):
            raise problem(f"forventede {description}, fandt {describe(value)}")
        return convert(value) if convert else value

    return BeforeValidator(validate)


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_slug(value) -> bool:
    return isinstance(value, str) and bool(SLUG_RE.match(value))


def _is_date(value) -> bool:
    return isinstance(value, dt.date) or (isinstance(value, str) and _is_iso_date(value))


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


SLUG = "et kort navn (a-z, 0-9, -)"
Text = Annotated[str, _kind("tekst", _is_text)]
Slug = Annotated[str, _kind(SLUG, _is_slug)]
Int = Annotated[int, _kind("et heltal", lambda v: isinstance(v, int) and not isinstance(v, bool))]
Bool = Annotated[bool, _kind("true eller false", lambda v: isinstance(v, bool))]
Time = Annotated[
    str,
    _kind(
        'et klokkeslæt som "16:00" (i anførselstegn)', lambda v: _is_text(v) and TIME_RE.match(v)
    ),
]
# May be left out, but not written as null.
OptionalText = Annotated[str | None, _kind("tekst", _is_text)]
OptionalSlug = Annotated[str | None, _kind(SLUG, _is_slug)]
# May be null: a reference nobody fills in yet, a date not set.
NullableSlug = Annotated[str | None, _kind(SLUG, _is_slug, nullable=True)]
# A date written without quotes arrives as a date; the card keeps ISO text.
NullableDate = Annotated[
    str | None, _kind("en dato som 2026-12-31", _is_date, nullable=True, convert=_iso)
]

T = TypeVar("T")


def _expect_list(value):
    if not isinstance(value, list):
        raise problem(f"forventede en liste, fandt {describe(value)}")
    return value


def _expect_mapping_or_none(value):
    if value is not None and not isinstance(value, dict):
        raise problem(f"forventede {MAPPING}, fandt {describe(value)}")
    return value


ListOf = Annotated[list[T], BeforeValidator(_expect_list)]
OptionalListOf = Annotated[list[T] | None, BeforeValidator(_expect_list)]
NullableMapping = BeforeValidator(_expect_mapping_or_none)


class References:
    """Marks a field (or the items of a list field) as slugs of a top-level collection."""

    def __init__(self, collection: str):
        self.collection = collection


def _not_a_choice(value, choices, what) -> str | None:
    if value not in choices:
        return f"ukendt {what} »{value}« (brug {', '.join(choices)})"
    return None


def choice(value, choices, what):
    """``value`` if it is one of ``choices``; ``what`` names them in the message."""
    message = _not_a_choice(value, choices, what)
    if message:
        raise problem(message)
    return value


@functools.cache
def _column(model, name):
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _fits(column, value):
    """Refuse what ``column`` would not take, with the message the editor reads."""
    limit = getattr(column, "max_length", None)  # a reverse relation has none
    if isinstance(value, str) and limit and len(value) > limit:
        raise problem(f"højst {limit} tegn, fandt {len(value)}")
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = connection.ops.integer_field_range(column.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            raise problem(f"tallet skal ligge mellem {low} og {high}")
    if isinstance(value, str) and value and isinstance(column, PhoneField):
        try:
            phone_normalise(value)
        except InvalidPhoneNumber:
            raise problem(
                f"»{value[:40]}« er ikke et telefonnummer (skriv fx 29204259 eller +46812345678)"
            ) from None
    return value


def format_problem(column, value, what) -> str | None:
    """What is wrong with text in a column of choices, e-mail addresses or web addresses.

    Checked apart from `_fits`, as a second problem of the same value: an address can be
    both too long and no address.
    """
    if not isinstance(value, str):
        return None
    if getattr(column, "choices", None):
        return _not_a_choice(value, [key for key, _ in column.choices], what)
    if value and isinstance(column, models.EmailField | models.URLField):
        email = isinstance(column, models.EmailField)
        try:
            (validate_email if email else URLValidator())(value)
        except ValidationError:
            return f"»{value}« er ikke en gyldig {'e-mailadresse' if email else 'webadresse'}"
    return None


class Shape(BaseModel):
    """One kind of mapping in a card file; unknown keys are refused, empty ones left out."""

    model_config = ConfigDict(extra="forbid")

    # The Django model the shape is written to: its columns bound the values.
    columns: ClassVar[type[models.Model] | None] = None
    # What a choice among the column's values is called in a message.
    choice_word: ClassVar[str] = "type"
    # Keys the export leaves out when empty; None is always left out.
    omit_empty: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _fits_its_column(cls, value, info):
        column = _column(cls.columns, info.field_name)
        return value if column is None else _fits(column, value)

    @model_serializer(mode="wrap")
    def _leave_out_empty(self, handler):
        data = handler(self)
        return {
            key: value
            for key, value in data.items()
            if value is not None and not (key in self.omit_empty and value in ("", [], {}))
        }

    @classmethod
    @functools.cache
    def defaults(cls) -> dict:
        """What a key the export left out stands for (a list as an empty tuple: shared)."""
        return {
            name: tuple(field.default) if isinstance(field.default, list) else field.default
            for name, field in cls.model_fields.items()
        }

    @classmethod
    def rules(cls, raw: dict, slugs: dict) -> list[tuple[tuple, str]]:
        """Problems that span fields or the document: (path below the mapping, message).

        They read the raw mapping, not the model, so one wrong field hides nothing else.
        """
        return []

    @classmethod
    def format_problems(cls, raw: dict) -> list[tuple[tuple, str]]:
        """Choices, e-mail and web addresses, by the columns of the shape."""
        found = []
        for name in cls.model_fields:
            column = _column(cls.columns, name)
            message = format_problem(column, raw.get(name), cls.choice_word) if column else None
            if message:
                found.append(((name,), message))
        return found

    @classmethod
    @functools.cache
    def nested(cls) -> dict[str, tuple[type["Shape"], bool]]:
        """Field name -> (shape of its value or items, whether it is a list)."""
        out = {}
        for name, field in cls.model_fields.items():
            inner, many = _unwrap(field.annotation), False
            if get_origin(inner) is list:
                inner, many = _unwrap(get_args(inner)[0]), True
            if isinstance(inner, type) and issubclass(inner, Shape):
                out[name] = (inner, many)
        return out

    @classmethod
    @functools.cache
    def references(cls) -> dict[str, tuple[str, bool]]:
        """Field name -> (the collection its slug refers to, whether it is a list of them)."""
        return {
            name: (meta.collection, get_origin(_unwrap(field.annotation)) is list)
            for name, field in cls.model_fields.items()
            for meta in field.metadata
            if isinstance(meta, References)
        }


def _unwrap(annotation: Any):
    """The type inside ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is Annotated or (
            len(args) == 1 and get_origin(annotation) is not list
        ):
            annotation = args[0]
        else:
            return annotation
