"""Open Badges 3.0 data classes for issuer input (OB 3.0 #achievement, #alignment, #criteria, #evidence,
#identifierentry, #identityobject, #image, #profile, #result, #resultdescription, #rubriccriterionlevel).

Pydantic models for the achievement data an operator supplies (``oid4vc.ler.inputs`` wraps them in the
``credential_subject`` of an offer). Rules kept here (OB 3.0 data model and the strict 1EdTech schema):

- ``type`` is accepted as a string or an array, defaults to the class name and is always emitted as an
  array, except Image, IdentityObject and IdentifierEntry whose ``type`` is a single IRI (as the strict
  1EdTech schema wants);
- single values of multi-valued terms (``alignment``, ``tag``, ``resultDescription``, ...) become arrays;
- ids and URLs must be absolute URIs: JSON-LD would resolve a relative IRI against the document base;
- text is a plain string: a JSON-LD language map needs a ``@container`` the OB context does not declare;
- ``criteria`` needs ``id`` or ``narrative``; Image, IdentityObject and IdentifierEntry allow no other members
  (``additionalProperties: false`` in the schema).

All other classes keep unknown members (``extra="allow"``) so extension terms survive; whether they are
defined JSON-LD terms is checked when an ``ldp_vc`` is signed. The 1EdTech schema (``oid4vc.ler.schema``)
remains the backstop for extensible enums (``achievementType``, ``resultType``, ``targetType``).
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from oid4vc.jose import JsonObject
from oid4vc.ler.errors import FieldError, LerValidationError, PathItem
from oid4vc.model import Message

__all__ = [
    "Achievement",
    "Alignment",
    "AsList",
    "Criteria",
    "DateTimeZ",
    "Evidence",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "LerModel",
    "Number",
    "Profile",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "Text",
    "TypeSet",
    "TypedLerModel",
    "Uri",
    "identity_object",
    "is_absolute_uri",
    "parse_datetime_z",
    "parse_model",
    "parse_profile",
]

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_DATETIME_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# OB 3.0 LanguageCode (BCP 47 subset), as in the 1EdTech schema.
_LANGUAGE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_FIRST_KEYS = ("@context", "id", "type")


def parse_datetime_z(value: str) -> datetime:
    """A DateTimeZ (date-time with a time zone, RFC 3339) as an aware datetime. Raises ValueError."""
    if not _DATETIME_Z.match(value):
        raise ValueError("must be a date-time with a time zone, like 2024-01-31T12:00:00Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a valid calendar date-time") from None


def is_absolute_uri(value: object) -> bool:
    """An absolute URI (scheme ``:`` then no whitespace): what OB 3.0 calls URI, and what JSON-LD will not
    resolve against a base."""
    return isinstance(value, str) and _URI.match(value) is not None


def _uri(value: str) -> str:
    if not is_absolute_uri(value):
        raise ValueError("must be an absolute URI (https:, urn:, did: or data:)")
    return value


def _datetime_z(value: str) -> str:
    parse_datetime_z(value)
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.match(value):
        raise ValueError("must be a language code like en or en-US")
    return value


def _number(value: Any) -> int | float:
    # An int stays an int: 36 and 36.0 are different RDF literals once signed.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a number")
    return value


def _as_list(value: Any) -> Any:
    return [value] if value is not None and not isinstance(value, list) else value


Uri = Annotated[str, AfterValidator(_uri)]
DateTimeZ = Annotated[str, AfterValidator(_datetime_z)]
LanguageCode = Annotated[str, AfterValidator(_language)]
Text = Annotated[str, Field(min_length=1)]
Number = Annotated[int | float, PlainValidator(_number)]
TypeSet = Annotated[list[str], BeforeValidator(_as_list), Field(min_length=1)]
AsList = BeforeValidator(_as_list)


class LerModel(Message):
    """Frozen, strict, keeps extension terms; dumps with ``id`` and ``type`` first."""

    @model_serializer(mode="wrap")
    def _ordered(self, handler: SerializerFunctionWrapHandler) -> JsonObject:
        data: JsonObject = handler(self)
        first = {k: data[k] for k in _FIRST_KEYS if k in data}
        return first | {k: v for k, v in data.items() if k not in first}

    def to_json(self) -> JsonObject:
        """The JSON-LD form: no nulls, arrays where the data model allows many."""
        return self.model_dump(mode="json", exclude_none=True)


class TypedLerModel(LerModel):
    """A class whose ``type`` is an unordered set that MUST contain ``REQUIRED_TYPE`` (default: just that)."""

    REQUIRED_TYPE: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _default_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "type" not in data:
            return {**data, "type": [cls.REQUIRED_TYPE]}
        return data

    @field_validator("type", check_fields=False)
    @classmethod
    def _has_required_type(cls, value: list[str]) -> list[str]:
        if cls.REQUIRED_TYPE not in value:
            raise ValueError(f"must contain {cls.REQUIRED_TYPE}")
        return value


class Image(LerModel):
    """OB 3.0 #image. A bare URI string is accepted as ``{"id": uri}``."""

    model_config = ConfigDict(extra="forbid")

    id: Uri
    type: Literal["Image"] = "Image"
    caption: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_uri(cls, data: Any) -> Any:
        return {"id": data} if isinstance(data, str) else data


class IdentifierEntry(LerModel):
    """OB 3.0 #identifierentry."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["IdentifierEntry"] = "IdentifierEntry"
    identifier: Text
    identifierType: Text


class Profile(TypedLerModel):
    """OB 3.0 #profile: the issuer, an achievement's creator, a subject's source, a parentOrg."""

    REQUIRED_TYPE = "Profile"
    id: Uri
    type: TypeSet
    name: str | None = None
    url: Uri | None = None
    email: str | None = None
    phone: str | None = None
    description: str | None = None
    image: Image | None = None
    official: str | None = None
    address: JsonObject | None = None
    otherIdentifier: Annotated[list[IdentifierEntry], AsList] | None = None
    parentOrg: Profile | None = None


class Criteria(LerModel):
    """OB 3.0 #criteria: ``id`` and/or ``narrative``."""

    id: Uri | None = None
    narrative: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Criteria:
        if self.id is None and not self.narrative:
            raise ValueError("needs id or narrative (or both)")
        return self


class Alignment(TypedLerModel):
    """OB 3.0 #alignment."""

    REQUIRED_TYPE = "Alignment"
    type: TypeSet
    targetName: Text
    targetUrl: Uri
    targetCode: str | None = None
    targetDescription: str | None = None
    targetFramework: str | None = None
    targetType: str | None = None


class RubricCriterionLevel(TypedLerModel):
    """OB 3.0 #rubriccriterionlevel."""

    REQUIRED_TYPE = "RubricCriterionLevel"
    id: Uri
    type: TypeSet
    name: Text
    description: str | None = None
    level: str | None = None
    points: str | None = None
    alignment: Annotated[list[Alignment], AsList] | None = None


class ResultDescription(TypedLerModel):
    """OB 3.0 #resultdescription; ``resultType`` is an extensible enum left to the 1EdTech schema."""

    REQUIRED_TYPE = "ResultDescription"
    id: Uri
    type: TypeSet
    name: Text
    resultType: Text
    allowedValue: Annotated[list[str], AsList] | None = None
    requiredLevel: Uri | None = None
    requiredValue: str | None = None
    valueMax: str | None = None
    valueMin: str | None = None
    rubricCriterionLevel: Annotated[list[RubricCriterionLevel], AsList] | None = None
    alignment: Annotated[list[Alignment], AsList] | None = None


ResultStatus = Literal["Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew"]


class Result(TypedLerModel):
    """OB 3.0 #result; ``resultDescription`` and ``achievedLevel`` link to ids in the achievement."""

    REQUIRED_TYPE = "Result"
    type: TypeSet
    resultDescription: Uri | None = None
    achievedLevel: Uri | None = None
    value: str | None = None
    status: ResultStatus | None = None
    alignment: Annotated[list[Alignment], AsList] | None = None


class Evidence(TypedLerModel):
    """OB 3.0 #evidence (``id`` is a URL or a data: URI)."""

    REQUIRED_TYPE = "Evidence"
    id: Uri | None = None
    type: TypeSet
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None


class IdentityObject(LerModel):
    """OB 3.0 #identityobject (a recipient identifier, plain or ``sha256$<hex>`` hashed)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["IdentityObject"] = "IdentityObject"
    hashed: bool
    identityHash: Text
    identityType: Text
    salt: str | None = None


class Achievement(TypedLerModel):
    """OB 3.0 #achievement: ``id``, ``type`` ⊇ Achievement, ``name``, ``description``, ``criteria``."""

    REQUIRED_TYPE = "Achievement"
    id: Uri
    type: TypeSet
    name: Text
    description: str
    criteria: Criteria
    achievementType: str | None = None
    alignment: Annotated[list[Alignment], AsList] | None = None
    creator: Profile | None = None
    creditsAvailable: Number | None = None
    fieldOfStudy: str | None = None
    humanCode: str | None = None
    image: Image | None = None
    inLanguage: LanguageCode | None = None
    otherIdentifier: Annotated[list[IdentifierEntry], AsList] | None = None
    resultDescription: Annotated[list[ResultDescription], AsList] | None = None
    specialization: str | None = None
    tag: Annotated[list[str], AsList] | None = None
    version: str | None = None


def identity_object(identifier: str, *, identity_type: str = "emailAddress", salt: str | None) -> IdentityObject:
    """An IdentityObject for ``identifier``: hashed ``sha256$hex(sha256(identifier + salt))`` when ``salt`` is
    given (the caller supplies the randomness), plain otherwise (OB 3.0 #identityobject, IdentityHash)."""
    if salt is None:
        return IdentityObject(hashed=False, identityHash=identifier, identityType=identity_type)
    digest = hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()
    return IdentityObject(hashed=True, identityHash=f"sha256${digest}", identityType=identity_type, salt=salt)


M = TypeVar("M", bound=LerModel)


def parse_model(model: type[M], data: object, path: tuple[PathItem, ...]) -> M:
    """Validate ``data`` as ``model``; errors become one LerValidationError with paths below ``path``."""
    if not isinstance(data, dict):
        raise LerValidationError.at(path, "must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise LerValidationError(
            FieldError((*path, *err["loc"]), err["msg"].removeprefix("Value error, ")) for err in exc.errors()
        ) from None


def parse_profile(data: object, *, path: tuple[PathItem, ...] = ("issuer",)) -> Profile:
    """Parse an issuer Profile (``id`` = the issuer DID or URL). Raises LerValidationError."""
    return parse_model(Profile, data, path)
