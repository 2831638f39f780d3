"""Bitstring Status List v1.0 (W3C Recommendation) §2 Data Model and §3 Algorithms.

- ``Bitstring``: the uncompressed list; entry ``i`` occupies bits ``[i * statusSize, (i + 1) * statusSize)`` and
  bit 0 is the left-most (most significant) bit of the first byte (§2.2 ``encodedList``, §7.1 Bitstring Encoding).
  A multi-bit value is read left to right, most significant bit first.
- ``encodedList`` is multibase base64url without padding (prefix ``u``) of the GZIP-compressed bitstring
  (§3.3 Bitstring Generation, §3.4 Bitstring Expansion); expansion is capped in size.
- ``status_list_credential`` builds the unsigned ``BitstringStatusListCredential`` (§2.2);
  ``BitstringStatusListEntry`` is the ``credentialStatus`` entry (§2.1);
  ``check_status`` is the Validate Algorithm (§3.2) over an already verified status list credential.

Errors carry the §3.5 Processing Errors codes. Pure: no I/O, no clock (``now`` is passed in).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from oid4vc.encoding import b64url_decode, b64url_encode
from oid4vc.jose import JsonObject
from oid4vc.status._compression import GZIP_WBITS, gzip_compress, inflate

__all__ = [
    "BITSTRING_STATUS_LIST_CREDENTIAL",
    "BITSTRING_STATUS_LIST_ENTRY",
    "ERROR_TYPE_BASE",
    "MAX_DECOMPRESSED_BYTES",
    "MIN_ENTRIES",
    "VC_V2_CONTEXT",
    "Bitstring",
    "BitstringStatus",
    "BitstringStatusListEntry",
    "BitstringStatusListError",
    "ErrorCode",
    "StatusMessage",
    "check_status",
    "status_list_credential",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
BITSTRING_STATUS_LIST_ENTRY = "BitstringStatusListEntry"
BITSTRING_STATUS_LIST_CREDENTIAL = "BitstringStatusListCredential"
BITSTRING_STATUS_LIST = "BitstringStatusList"
MIN_ENTRIES = 131_072  # §3.2 minimumNumberOfEntries; 16 KB of 1-bit entries (§6.1)
MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024  # our cap on §3.4 expansion: 64 Mi one-bit entries
ERROR_TYPE_BASE = "https://www.w3.org/ns/credentials/status-list#"
_MULTIBASE_BASE64URL = "u"
_INDEX = re.compile(r"[0-9]+")
_HEX_STATUS = re.compile(r"0[xX][0-9a-fA-F]+")


class ErrorCode(enum.StrEnum):
    """§3.5 Processing Errors (and the MALFORMED_VALUE_ERROR of §3 and RANGE_ERROR of §3.2)."""

    STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
    STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
    STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
    RANGE_ERROR = "RANGE_ERROR"
    MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"


class BitstringStatusListError(ValueError):
    """A status check that cannot conclude. ``code`` is the §3.5 code; the message is safe to show."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def type(self) -> str:
        """The RFC 9457 ``type`` URL of §3.5."""
        return ERROR_TYPE_BASE + self.code


def _malformed(message: str) -> BitstringStatusListError:
    return BitstringStatusListError(ErrorCode.MALFORMED_VALUE_ERROR, message)


class Bitstring:
    """A mutable status bitstring of ``entries`` values of ``status_size`` bits, all initially 0."""

    __slots__ = ("_data", "status_size")

    def __init__(self, entries: int = MIN_ENTRIES, *, status_size: int = 1) -> None:
        if entries < 1 or status_size < 1:
            raise ValueError("entries and status_size must be positive")
        self.status_size = status_size
        self._data = bytearray(-(-entries * status_size // 8))

    @classmethod
    def from_bytes(cls, data: bytes, *, status_size: int = 1) -> Bitstring:
        if status_size < 1 or len(data) * 8 < status_size:
            raise ValueError("bitstring is shorter than one entry")
        out = cls.__new__(cls)
        out.status_size = status_size
        out._data = bytearray(data)
        return out

    @property
    def entries(self) -> int:
        """How many whole entries fit (trailing bits that do not make an entry are ignored)."""
        return len(self._data) * 8 // self.status_size

    def _position(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.entries:
            raise IndexError("status list index out of range")
        return index * self.status_size

    def get(self, index: int) -> int:
        position = self._position(index)
        value = 0
        for bit in range(position, position + self.status_size):
            value = (value << 1) | ((self._data[bit >> 3] >> (7 - (bit & 7))) & 1)
        return value

    def set(self, index: int, value: int) -> None:
        position = self._position(index)
        if isinstance(value, bool):
            value = int(value)
        if not 0 <= value < 1 << self.status_size:
            raise ValueError(f"status value must fit in {self.status_size} bit(s)")
        for offset in range(self.status_size):
            bit = position + offset
            mask = 0x80 >> (bit & 7)
            if (value >> (self.status_size - 1 - offset)) & 1:
                self._data[bit >> 3] |= mask
            else:
                self._data[bit >> 3] &= ~mask & 0xFF

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def encode(self) -> str:
        """The ``encodedList`` value (§3.3 step 3)."""
        return _MULTIBASE_BASE64URL + b64url_encode(gzip_compress(bytes(self._data)))

    @classmethod
    def decode(cls, encoded_list: str, *, status_size: int = 1, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Bitstring:
        """§3.4 Bitstring Expansion. Raises BitstringStatusListError(MALFORMED_VALUE_ERROR)."""
        if not isinstance(encoded_list, str) or not encoded_list.startswith(_MULTIBASE_BASE64URL):
            raise _malformed("encodedList must be multibase base64url (prefix 'u')")
        try:
            data = inflate(b64url_decode(encoded_list[1:]), wbits=GZIP_WBITS, max_bytes=max_bytes)
            return cls.from_bytes(data, status_size=status_size)
        except ValueError as exc:
            raise _malformed(f"encodedList cannot be expanded: {exc}") from None


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """One ``statusMessage`` element (§2.1): ``status`` is written as ``0x`` hexadecimal."""

    status: int
    message: str

    def to_json(self) -> JsonObject:
        return {"status": f"0x{self.status:x}", "message": self.message}

    @classmethod
    def from_json(cls, value: Any) -> StatusMessage:
        if not isinstance(value, dict):
            raise _malformed("statusMessage elements must be objects")
        status, message = value.get("status"), value.get("message")
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status) or not isinstance(message, str):
            raise _malformed("statusMessage elements need a '0x' hexadecimal status and a message string")
        return cls(int(status, 16), message)


def _is_power_of_two_of(count: int, size: int) -> bool:
    """``count == 2 ** size`` without building a huge integer for a hostile ``size``."""
    return count > 0 and count & (count - 1) == 0 and count.bit_length() - 1 == size


@dataclass(frozen=True, slots=True)
class BitstringStatusListEntry:
    """A ``credentialStatus`` entry (§2.1). ``to_json`` writes ``statusListIndex`` as a base-10 string."""

    status_list_credential: str
    status_list_index: int
    status_purpose: str
    status_size: int = 1
    status_message: tuple[StatusMessage, ...] = ()
    status_reference: tuple[str, ...] = ()
    id: str | None = None

    def __post_init__(self) -> None:
        if self.status_list_index < 0 or self.status_size < 1 or not self.status_purpose:
            raise ValueError("invalid BitstringStatusListEntry")
        # §2.1: statusMessage MUST be present when statusSize > 1, with 2 ** statusSize elements.
        if (self.status_size > 1 or self.status_message) and not _is_power_of_two_of(
            len(self.status_message), self.status_size
        ):
            raise ValueError("statusMessage must have 2 ** statusSize elements")

    def to_json(self) -> JsonObject:
        out: JsonObject = {
            # §2.1: the entry id MUST NOT be the status list URL; the fragment names the index.
            "id": self.id or f"{self.status_list_credential}#{self.status_list_index}",
            "type": BITSTRING_STATUS_LIST_ENTRY,
            "statusPurpose": self.status_purpose,
            "statusListIndex": str(self.status_list_index),
            "statusListCredential": self.status_list_credential,
        }
        if self.status_size != 1:
            out["statusSize"] = self.status_size
        if self.status_message:
            out["statusMessage"] = [m.to_json() for m in self.status_message]
        if self.status_reference:
            refs = list(self.status_reference)
            out["statusReference"] = refs[0] if len(refs) == 1 else refs
        return out

    @classmethod
    def from_json(cls, value: Any) -> BitstringStatusListEntry:
        """Parse one entry. Raises BitstringStatusListError(MALFORMED_VALUE_ERROR)."""
        if not isinstance(value, dict):
            raise _malformed("credentialStatus entry must be an object")
        if not _has_type(value.get("type"), BITSTRING_STATUS_LIST_ENTRY):
            raise _malformed("credentialStatus type must be BitstringStatusListEntry")
        purpose, url = value.get("statusPurpose"), value.get("statusListCredential")
        if not isinstance(purpose, str) or not purpose:
            raise _malformed("statusPurpose must be a string")
        if not isinstance(url, str) or not url:
            raise _malformed("statusListCredential must be a URL")
        size = value.get("statusSize", 1)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise _malformed("statusSize must be an integer greater than zero")
        raw_messages = value.get("statusMessage")
        if raw_messages is None and size > 1:
            raise _malformed("statusMessage is required when statusSize is greater than 1")
        if raw_messages is not None and (
            not isinstance(raw_messages, list) or not _is_power_of_two_of(len(raw_messages), size)
        ):
            raise _malformed("statusMessage must be an array of 2 ** statusSize elements")
        entry_id = value.get("id")
        if entry_id is not None and (not isinstance(entry_id, str) or entry_id == url):
            raise _malformed("credentialStatus id must be a URL other than the status list URL")
        return cls(
            status_list_credential=url,
            status_list_index=_parse_index(value.get("statusListIndex")),
            status_purpose=purpose,
            status_size=size,
            status_message=tuple(StatusMessage.from_json(m) for m in raw_messages or ()),
            status_reference=_parse_reference(value.get("statusReference")),
            id=entry_id,
        )


def _parse_index(value: Any) -> int:
    # §2.1: a base-10 string. A JSON number is accepted too, because deployed 1EdTech examples use one.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _INDEX.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # beyond the interpreter's integer-string limit
            pass
    raise _malformed("statusListIndex must be a non-negative base-10 integer string")


def _parse_reference(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    refs = [value] if isinstance(value, str) else value
    if not isinstance(refs, list) or not all(isinstance(r, str) and r for r in refs):
        raise _malformed("statusReference must be a URL or an array of URLs")
    return tuple(refs)


def _has_type(value: Any, name: str) -> bool:
    return value == name or (isinstance(value, list) and name in value)


def _xsd_datetime(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_credential(
    *,
    url: str,
    issuer: str | JsonObject,
    bitstring: Bitstring,
    status_purpose: str | Sequence[str],
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
    status_messages: Sequence[StatusMessage] = (),
    subject_id: str | None = None,
    min_entries: int = MIN_ENTRIES,
) -> JsonObject:
    """The unsigned ``BitstringStatusListCredential`` published at ``url`` (§2.2, §3.1 Generate Algorithm).

    ``credentialSubject.id`` defaults to ``<url>#list``. Sign it with a format before serving it (JWT:
    ``application/vc+jwt``; Data Integrity: ``application/vc``).
    """
    purposes = [status_purpose] if isinstance(status_purpose, str) else list(status_purpose)
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise ValueError("statusPurpose must be one or more strings")
    # §2.2 encodedList: the uncompressed bitstring MUST be at least 16KB (§3.2: at least minimumNumberOfEntries).
    if bitstring.entries < min_entries:
        raise ValueError(f"a status list needs at least {min_entries} entries")
    if ttl_ms is not None and (isinstance(ttl_ms, bool) or ttl_ms <= 0):
        raise ValueError("ttl must be a positive number of milliseconds")
    subject: JsonObject = {
        "id": subject_id or f"{url}#list",
        "type": BITSTRING_STATUS_LIST,
        "statusPurpose": purposes[0] if len(purposes) == 1 else purposes,
        "encodedList": bitstring.encode(),
    }
    # §2.2: with the "message" purpose, statusSize MUST be given and statusMessages define the messages.
    if "message" in purposes and not status_messages:
        raise ValueError("the message purpose needs statusMessages")
    if bitstring.status_size != 1 or "message" in purposes:
        subject["statusSize"] = bitstring.status_size
    if status_messages:
        if not _is_power_of_two_of(len(status_messages), bitstring.status_size):
            raise ValueError("statusMessages must have 2 ** statusSize elements")
        subject["statusMessages"] = [m.to_json() for m in status_messages]
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: JsonObject = {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", BITSTRING_STATUS_LIST_CREDENTIAL],
        "issuer": issuer,
        "validFrom": _xsd_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = _xsd_datetime(valid_until)
    credential["credentialSubject"] = subject
    return credential


@dataclass(frozen=True, slots=True)
class BitstringStatus:
    """The §3.2 result: ``status`` is the entry's value; ``valid`` is ``status == 0``."""

    status: int
    purpose: str
    valid: bool
    message: str | None = None

    @property
    def is_set(self) -> bool:
        return self.status != 0


def _list_subject(credential: Any) -> JsonObject:
    if not isinstance(credential, dict):
        raise _malformed("status list credential must be a JSON object")
    if not _has_type(credential.get("type"), BITSTRING_STATUS_LIST_CREDENTIAL):
        raise _malformed("status list credential type must include BitstringStatusListCredential")
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict) or not _has_type(subject.get("type"), BITSTRING_STATUS_LIST):
        raise _malformed("credentialSubject must be one BitstringStatusList")
    return subject


def _parse_datetime(value: Any, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise _malformed(f"{name} must be an XML Schema dateTimeStamp")
    return at


CLOCK_SKEW = timedelta(seconds=60)  # a list signed a moment "after" the verifier's clock is not a failure


def _check_validity(credential: JsonObject, now: datetime) -> None:
    if "validFrom" in credential and now + CLOCK_SKEW < _parse_datetime(credential["validFrom"], "validFrom"):
        raise BitstringStatusListError(ErrorCode.STATUS_VERIFICATION_ERROR, "status list is not yet valid")
    if "validUntil" in credential and now - CLOCK_SKEW > _parse_datetime(credential["validUntil"], "validUntil"):
        raise BitstringStatusListError(ErrorCode.STATUS_VERIFICATION_ERROR, "status list has expired")


def check_status(
    entry: BitstringStatusListEntry | JsonObject,
    status_list_credential: JsonObject,
    *,
    now: datetime | None = None,
    min_entries: int = MIN_ENTRIES,
    max_bytes: int = MAX_DECOMPRESSED_BYTES,
) -> BitstringStatus:
    """§3.2 Validate Algorithm, steps 5-15. Step 4 is the caller's: ``status_list_credential`` is the dereferenced
    credential whose proofs it has already verified (raising STATUS_RETRIEVAL_ERROR / STATUS_VERIFICATION_ERROR
    itself). With ``now``, the list's ``validFrom`` / ``validUntil`` are checked too (VCDM 2.0 Validity Period).

    The ``id`` of the list credential is not compared with ``statusListCredential``: §2.2 says it MAY match.
    Raises BitstringStatusListError.
    """
    parsed = entry if isinstance(entry, BitstringStatusListEntry) else BitstringStatusListEntry.from_json(entry)
    subject = _list_subject(status_list_credential)
    if now is not None:
        _check_validity(status_list_credential, now)
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or not purposes or not all(isinstance(p, str) for p in purposes):
        raise _malformed("statusPurpose of the status list must be one or more strings")
    # §3.2 step 5: the entry's purpose MUST be one of the list's purposes.
    if parsed.status_purpose not in purposes:
        raise BitstringStatusListError(
            ErrorCode.STATUS_VERIFICATION_ERROR, "statusPurpose does not match the status list"
        )
    encoded_list = subject.get("encodedList")
    if not isinstance(encoded_list, str):
        raise _malformed("encodedList must be a string")
    bitstring = Bitstring.decode(encoded_list, status_size=parsed.status_size, max_bytes=max_bytes)
    # §3.2 step 9: fewer than minimumNumberOfEntries entries is a STATUS_LIST_LENGTH_ERROR.
    if bitstring.entries < min_entries:
        raise BitstringStatusListError(
            ErrorCode.STATUS_LIST_LENGTH_ERROR, f"status list has fewer than {min_entries} entries"
        )
    # §3.2 step 10: an index outside the bitstring MUST raise a RANGE_ERROR.
    if parsed.status_list_index >= bitstring.entries:
        raise BitstringStatusListError(ErrorCode.RANGE_ERROR, "statusListIndex is outside the status list")
    status = bitstring.get(parsed.status_list_index)
    return BitstringStatus(
        status=status,
        purpose=parsed.status_purpose,
        valid=status == 0,
        message=_message_for(status, parsed, subject) if parsed.status_purpose == "message" else None,
    )


def _message_for(status: int, entry: BitstringStatusListEntry, subject: JsonObject) -> str | None:
    """§3.2 step 14: the message of ``status`` from the entry's statusMessage, else the list's statusMessages."""
    messages = list(entry.status_message)
    if not messages and isinstance(subject.get("statusMessages"), list):
        messages = [StatusMessage.from_json(m) for m in subject["statusMessages"]]
    return next((m.message for m in messages if m.status == status), None)
