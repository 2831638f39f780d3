"""1EdTech JSON Schema validation of OB 3.0 and CLR 2.0 credentials (OB 3.0 / CLR 2.0 "JSON Schema" sections,
the ``1EdTechJsonSchemaValidator2019`` schemas; JSON Schema draft 2019-09).

``validate_credential`` picks the bundled schema from the credential ``type`` (ClrCredential,
EndorsementCredential, else OB AchievementCredential) and runs it. Then, like the 1EdTech validator's probes,
it checks the ``type`` of the credential, subject, achievement, results, evidence and issuer (the JSON-LD
adaptation schema accepts any single string there), that ``type`` holds ``VerifiableCredential``, and, for a
CLR, each nested AchievementCredential against the OB schema (the CLR schema only sees generic credentials).

- The schemas are the 2026 "JSON-LD adaptation" copies: they accept a single value or an array and do not
  require ``proof``, so signed and unsigned credentials validate alike.
- They are VCDM 2.0 only. A VCDM 1.1 credential (``https://www.w3.org/2018/credentials/v1`` first) is checked
  through a 2.0 view: context 1 swapped for VC v2, ``issuanceDate``/``expirationDate`` read as
  ``validFrom``/``validUntil``, recursively for nested credentials. The 1EdTech validator accepts 1.1 with a
  warning; this is our equivalent of its 1.1-tolerant schemas, not a copy of them.
- ``$ref``s resolve in a ``referencing.Registry`` that holds only the bundled files and refuses to retrieve
  anything (never the network). ``date-time`` and ``date`` formats are checked (DateTimeZ: a zone is
  required).
- Schemas are read from package data once per process and the compiled validators are cached
  (``functools.cache``); they are immutable after construction and safe to share.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from datetime import date
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT201909

from oid4vc.jose import JsonObject
from oid4vc.ler.build import VC_V1_CONTEXT, VC_V2_CONTEXT
from oid4vc.ler.errors import FieldError, LerValidationError, PathItem
from oid4vc.ler.models import parse_datetime_z

__all__ = ["CLR_SCHEMA", "ENDORSEMENT_SCHEMA", "OB_SCHEMA", "schema_for", "validate_credential"]

OB_SCHEMA = "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_SCHEMA = "ob_v3p0_endorsementcredential_schema.json"
CLR_SCHEMA = "clr_v2p0_clrcredential_schema.json"
_SCHEMA_FILES = (OB_SCHEMA, ENDORSEMENT_SCHEMA, CLR_SCHEMA)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_UNEXPECTED = re.compile(r"\((.+) (?:was|were) unexpected\)")
_MAX_ENUM_SHOWN = 8

_FORMATS = FormatChecker(formats=())

# The 1EdTech validator checks these ``type``s after the schema (its CredentialSubject, Evidence and Issuer
# probes); the JSON-LD adaptation schema alone accepts any single string there. ``*`` = each item of a
# single value or an array.
_Probe = tuple[tuple[str, ...], tuple[str, ...]]
_COMMON_PROBES: tuple[_Probe, ...] = (
    (("issuer",), ("Profile",)),
    (("issuer", "parentOrg"), ("Profile",)),
    (("evidence", "*"), ("Evidence",)),
)
_TYPE_PROBES: dict[str, tuple[_Probe, ...]] = {
    OB_SCHEMA: (
        ((), ("AchievementCredential", "OpenBadgeCredential")),
        (("credentialSubject",), ("AchievementSubject",)),
        (("credentialSubject", "achievement"), ("Achievement",)),
        (("credentialSubject", "achievement", "alignment", "*"), ("Alignment",)),
        (("credentialSubject", "achievement", "resultDescription", "*"), ("ResultDescription",)),
        (("credentialSubject", "result", "*"), ("Result",)),
        (("credentialSubject", "source"), ("Profile",)),
        *_COMMON_PROBES,
    ),
    ENDORSEMENT_SCHEMA: (
        ((), ("EndorsementCredential",)),
        (("credentialSubject",), ("EndorsementSubject",)),
        *_COMMON_PROBES,
    ),
    CLR_SCHEMA: (
        ((), ("ClrCredential",)),
        (("credentialSubject",), ("ClrSubject",)),
        *_COMMON_PROBES,
    ),
}


def _check_date_time(value: object) -> bool:
    if isinstance(value, str):
        parse_datetime_z(value.upper())
    return True


def _check_date(value: object) -> bool:
    if isinstance(value, str):
        if not _DATE.match(value):
            raise ValueError("not a full date")
        date.fromisoformat(value)
    return True


_FORMATS.checks("date-time", raises=ValueError)(_check_date_time)
_FORMATS.checks("date", raises=ValueError)(_check_date)


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class mypy does not see as one


@functools.cache
def _schemas() -> dict[str, JsonObject]:
    folder = resources.files(__package__ or "oid4vc.ler") / "schemas"
    return {name: json.loads((folder / name).read_text(encoding="utf-8")) for name in _SCHEMA_FILES}


@functools.cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]  # attrs, as above
    for schema in _schemas().values():
        registry = registry.with_resource(schema["$id"], DRAFT201909.create_resource(schema))
    return registry


@functools.cache
def _validator(name: str) -> Any:
    return Draft201909Validator(_schemas()[name], registry=_registry(), format_checker=_FORMATS)


def _types(value: object) -> list[str]:
    return (
        [value]
        if isinstance(value, str)
        else [t for t in value if isinstance(t, str)]
        if isinstance(value, list)
        else []
    )


def schema_for(credential: JsonObject) -> str:
    """The bundled schema for ``credential``, by its ``type`` (OB AchievementCredential by default)."""
    types = _types(credential.get("type"))
    if "ClrCredential" in types:
        return CLR_SCHEMA
    if "EndorsementCredential" in types:
        return ENDORSEMENT_SCHEMA
    return OB_SCHEMA


def _vcdm2_view(value: Any) -> Any:
    """A VCDM 2.0 reading of every VCDM 1.1 credential inside ``value`` (copied; the input is left alone)."""
    if isinstance(value, list):
        return [_vcdm2_view(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _vcdm2_view(v) for k, v in value.items()}
    context = out.get("@context")
    if isinstance(context, list) and context and context[0] == VC_V1_CONTEXT:
        out["@context"] = [VC_V2_CONTEXT, *context[1:]]
        for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
            if old in out and new not in out:
                out[new] = out.pop(old)
    return out


def _shape_mismatch(error: ValidationError) -> bool:
    """The instance has the wrong JSON type for this schema (e.g. an array where a string is expected)."""
    if error.relative_path:
        return False
    if error.validator == "type":
        return True
    return error.validator in ("oneOf", "anyOf") and not _fitting_branches(error)


def _fitting_branches(error: ValidationError) -> list[ValidationError]:
    """The errors of the first oneOf/anyOf branch whose JSON shape fits the instance (none if none fits)."""
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for errors in branches.values():
        if not any(_shape_mismatch(e) for e in errors):
            return errors
    return []


def _reason(error: ValidationError) -> tuple[tuple[PathItem, ...], str]:
    """A short reason without instance values (they can be long or personal), and the path it applies to."""
    path: tuple[PathItem, ...] = tuple(error.absolute_path)
    kind = error.validator
    if kind == "required":
        m = _REQUIRED.match(error.message)
        return ((*path, m.group(1)) if m else path), "is required"
    if kind in ("oneOf", "anyOf"):
        fitting = _fitting_branches(error)
        if not fitting:
            return path, "has the wrong JSON type"
        if all(not e.relative_path and e.validator in ("enum", "pattern", "const") for e in fitting):
            return path, "is not an allowed value"
        # Explain the deepest problem of the branch whose shape fits: that is where the instance went wrong.
        return _reason(max(fitting, key=lambda e: len(e.absolute_path)))
    if kind == "contains":
        allowed = error.validator_value.get("enum") if isinstance(error.validator_value, dict) else None
        return path, (f"must contain {' or '.join(allowed)}" if allowed else "lacks a required item")
    if kind == "enum":
        values = [str(v) for v in error.validator_value]
        shown = ", ".join(values[:_MAX_ENUM_SHOWN]) + (", ..." if len(values) > _MAX_ENUM_SHOWN else "")
        return path, f"must be one of {shown}"
    if kind == "const":
        return path, f"must be {error.validator_value}"
    if kind == "type":
        return path, f"must be of type {error.validator_value}"
    if kind == "pattern":
        return path, "does not match the required pattern"
    if kind == "format":
        return path, f"is not a valid {error.validator_value}"
    if kind in ("minItems", "minLength"):
        return path, f"must have at least {error.validator_value} item(s)"
    if kind == "additionalProperties":
        m = _UNEXPECTED.search(error.message)
        return path, "has unexpected properties" + (f": {m.group(1)}" if m else "")
    return path, f"fails the {kind} rule"


def _schema_errors(view: JsonObject, schema: str) -> Iterator[FieldError]:
    for error in _validator(schema).iter_errors(view):
        path, reason = _reason(error)
        yield FieldError(path, reason)


def _nodes(
    value: Any, steps: tuple[str, ...], path: tuple[PathItem, ...]
) -> Iterator[tuple[JsonObject, tuple[PathItem, ...]]]:
    """The objects at ``steps`` below ``value`` with their paths (absent or non-object values are skipped)."""
    if not steps:
        if isinstance(value, dict):
            yield value, path
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for i, item in items:
            yield from _nodes(item, rest, path if i is None else (*path, i))
    elif isinstance(value, dict) and step in value:
        yield from _nodes(value[step], rest, (*path, step))


def _type_errors(view: JsonObject, schema: str) -> Iterator[FieldError]:
    if "VerifiableCredential" not in _types(view.get("type")):
        yield FieldError(("type",), "must contain VerifiableCredential")
    for steps, wanted in _TYPE_PROBES[schema]:
        for node, path in _nodes(view, steps, ()):
            if not set(wanted) & set(_types(node.get("type"))):
                yield FieldError((*path, "type"), f"must contain {' or '.join(wanted)}")


def _errors(view: JsonObject) -> list[FieldError]:
    schema = schema_for(view)
    found = {(e.path, e.reason): e for e in (*_schema_errors(view, schema), *_type_errors(view, schema))}
    errors = sorted(found.values(), key=lambda e: [str(p) for p in e.path])
    if "ClrCredential" in _types(view.get("type")):
        # one nested credential or an array of them
        for vc, path in _nodes(view, ("credentialSubject", "verifiableCredential", "*"), ()):
            if schema_for(vc) == OB_SCHEMA:
                errors.extend(FieldError((*path, *e.path), e.reason) for e in _errors(vc))
    return errors


def validate_credential(credential: JsonObject) -> None:
    """Check ``credential`` (signed or not, VCDM 2.0 or 1.1) against the 1EdTech schema for its type.

    Raises LerValidationError whose paths are credential paths (``credentialSubject.achievement.criteria``).
    """
    if not isinstance(credential, dict):
        raise LerValidationError.at((), "credential must be a JSON object")
    errors = _errors(_vcdm2_view(credential))
    if errors:
        raise LerValidationError(errors)
