"""Bitstring Status List v1.0: W3C examples byte for byte, the 1EdTech revoked fixture, an independent decoder
written from the spec text (§2.2 encodedList, §3.4, §7.1), size-bomb rejection and every error path.

Vector files: tests/vectors/status (origins in SOURCES.md there)."""

from __future__ import annotations

import base64
import gzip
import json
import random
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oid4vc.status.bitstring import (
    MIN_ENTRIES,
    Bitstring,
    BitstringStatus,
    BitstringStatusListEntry,
    BitstringStatusListError,
    ErrorCode,
    StatusMessage,
    check_status,
    status_list_credential,
)

VECTORS = Path(__file__).parents[2] / "vectors" / "status"
LIST_URL = "https://issuer.example/status/1"
T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def independent_bits(encoded_list: str) -> str:
    """§3.4 by other means: strip the multibase 'u', base64url-decode with padding restored, gunzip with the
    stdlib gzip module, and write the bitstring as text so that index 0 is literally the left-most character."""
    assert encoded_list[0] == "u"
    body = encoded_list[1:]
    raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    return "".join(format(byte, "08b") for byte in gzip.decompress(raw))


def independent_value(bits: str, index: int, size: int = 1) -> int:
    return int(bits[index * size : (index + 1) * size], 2)


def entry(index: Any = "5", purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": index,
        "statusListCredential": LIST_URL,
        **extra,
    }


def list_credential(bitstring: Bitstring, purpose: Any = "revocation", **subject: Any) -> dict[str, Any]:
    cred = status_list_credential(
        url=LIST_URL,
        issuer="did:example:issuer",
        bitstring=bitstring,
        status_purpose="revocation",
        valid_from=T0,
        min_entries=1,
    )
    cred["credentialSubject"]["statusPurpose"] = purpose
    cred["credentialSubject"].update(subject)
    return cred


def code_of(exc: pytest.ExceptionInfo[BitstringStatusListError]) -> ErrorCode:
    return exc.value.code


# --- spec examples, byte for byte ------------------------------------------------------------------------


def test_empty_default_list_reproduces_the_w3c_example_encoded_list() -> None:
    example = load("w3c-example-status-list-credential.json")
    assert Bitstring().encode() == example["credentialSubject"]["encodedList"]
    assert Bitstring().entries == MIN_ENTRIES == 131_072
    assert len(Bitstring().to_bytes()) == 16 * 1024


def test_status_list_credential_reproduces_the_w3c_example() -> None:
    example = load("w3c-example-status-list-credential.json")
    built = status_list_credential(
        url="https://example.com/credentials/status/3",
        subject_id="https://example.com/status/3#list",
        issuer="did:example:12345",
        bitstring=Bitstring(),
        status_purpose="revocation",
        valid_from=datetime(2021, 4, 5, 14, 27, 40, tzinfo=UTC),
    )
    assert built == example
    assert list(built) == list(example)  # same member order as the spec shows


def test_w3c_revocable_credential_is_valid_against_the_all_zero_example_list() -> None:
    credential = load("w3c-example-revocable-credential.json")
    result = check_status(credential["credentialStatus"], load("w3c-example-status-list-credential.json"))
    assert result == BitstringStatus(status=0, purpose="revocation", valid=True)
    assert not result.is_set


def test_1edtech_revoked_fixture_reads_as_revoked() -> None:
    credential, status_list = load("credential-status-revoked.json"), load("bitstring-status-list-testlist.json")
    result = check_status(credential["credentialStatus"], status_list, now=T0)
    assert result.is_set and not result.valid and result.status == 1 and result.purpose == "revocation"
    # The independent decoder agrees: bit 23 is the only set bit.
    bits = independent_bits(status_list["credentialSubject"]["encodedList"])
    assert len(bits) == 131_072 and bits.count("1") == 1 and bits.index("1") == 23
    for neighbour in (22, 24):
        moved = dict(credential["credentialStatus"], statusListIndex=str(neighbour))
        assert check_status(moved, status_list).valid


def test_1edtech_list_round_trips_through_our_encoder() -> None:
    encoded = load("bitstring-status-list-testlist.json")["credentialSubject"]["encodedList"]
    decoded = Bitstring.decode(encoded)
    assert independent_bits(decoded.encode()) == independent_bits(encoded)


# --- bit order and round trips -----------------------------------------------------------------------------


def test_index_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    bitstring = Bitstring(16)
    bitstring.set(0, 1)
    bitstring.set(7, 1)
    bitstring.set(9, 1)
    assert bitstring.to_bytes() == bytes([0b1000_0001, 0b0100_0000])
    bitstring.set(0, 0)
    assert bitstring.to_bytes() == bytes([0b0000_0001, 0b0100_0000])
    assert [bitstring.get(i) for i in range(10)] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 1]


def test_multi_bit_entries_are_read_left_to_right_across_bytes() -> None:
    bitstring = Bitstring(8, status_size=3)  # 24 bits: entries straddle byte boundaries
    bitstring.set(0, 0b101)
    bitstring.set(2, 0b110)  # bits 6..8
    bitstring.set(7, 0b011)
    assert bitstring.to_bytes() == bytes([0b1010_0011, 0b0000_0000, 0b0000_0011])
    text = "".join(format(b, "08b") for b in bitstring.to_bytes())
    assert [independent_value(text, i, 3) for i in range(8)] == [bitstring.get(i) for i in range(8)]
    assert bitstring.get(2) == 0b110 and bitstring.get(1) == 0


@pytest.mark.parametrize("status_size", [1, 2, 3, 8])
def test_random_round_trip_matches_the_independent_decoder(status_size: int) -> None:
    rng = random.Random(status_size)
    bitstring = Bitstring(MIN_ENTRIES, status_size=status_size)
    expected = {rng.randrange(MIN_ENTRIES): rng.randrange(1, 1 << status_size) for _ in range(500)}
    for index, value in expected.items():
        bitstring.set(index, value)
    encoded = bitstring.encode()
    text = independent_bits(encoded)
    assert len(text) == MIN_ENTRIES * status_size
    decoded = Bitstring.decode(encoded, status_size=status_size)
    assert decoded.to_bytes() == bitstring.to_bytes()
    for index, value in expected.items():
        assert independent_value(text, index, status_size) == value == decoded.get(index)
    assert sum(independent_value(text, i, status_size) != 0 for i in range(0, MIN_ENTRIES, 97)) == sum(
        1 for i in range(0, MIN_ENTRIES, 97) if i in expected
    )


def test_encoded_list_is_gzip_under_multibase_base64url() -> None:
    bitstring = Bitstring()
    bitstring.set(3, 1)
    encoded = bitstring.encode()
    assert encoded.startswith("uH4sI") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert raw[:4] == b"\x1f\x8b\x08\x00" and gzip.decompress(raw) == bitstring.to_bytes()
    assert len(encoded) < 200  # a sparse 16 KB list compresses to a few dozen bytes


# --- size bomb and malformed encodings ----------------------------------------------------------------------


def _gzip_stream(total: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    out = [compressor.compress(chunk) for _ in range(total >> 20)]
    return b"".join(out) + compressor.flush()


def test_decompression_bomb_is_refused() -> None:
    bomb = "u" + base64.urlsafe_b64encode(_gzip_stream(64 << 20)).decode().rstrip("=")
    assert len(bomb) < 100_000  # 64 MiB of zeros in ~90 KB
    with pytest.raises(BitstringStatusListError, match="exceeds") as exc:
        Bitstring.decode(bomb)
    assert code_of(exc) is ErrorCode.MALFORMED_VALUE_ERROR
    with pytest.raises(BitstringStatusListError, match="exceeds"):
        Bitstring.decode(Bitstring().encode(), max_bytes=16 * 1024 - 1)
    assert Bitstring.decode(Bitstring().encode(), max_bytes=16 * 1024).entries == MIN_ENTRIES


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    "encoded",
    [
        "zH4sIAAAA",  # base58btc multibase, not base64url
        "H4sIAAAAAAAA",  # no multibase prefix
        "u!!!",  # not base64url
        "uH4sIAAAAAAAAA==",  # padded
        "u" + _b64(zlib.compress(bytes(16))),  # ZLIB, not GZIP
        "u" + _b64(gzip.compress(bytes(16))[:-6]),  # truncated
        "u" + _b64(gzip.compress(bytes(16)) + b"junk"),  # trailing bytes
        "u" + _b64(gzip.compress(bytes(16))[:-8] + b"\0\0\0\0" + gzip.compress(bytes(16))[-4:]),  # bad CRC
        "u" + _b64(gzip.compress(b"")),  # empty bitstring
        "u",
    ],
)
def test_malformed_encoded_lists_are_refused(encoded: str) -> None:
    with pytest.raises(BitstringStatusListError) as exc:
        Bitstring.decode(encoded)
    assert code_of(exc) is ErrorCode.MALFORMED_VALUE_ERROR
    assert exc.value.type == "https://www.w3.org/ns/credentials/status-list#MALFORMED_VALUE_ERROR"


def test_decode_refuses_non_strings() -> None:
    with pytest.raises(BitstringStatusListError):
        Bitstring.decode(None)  # type: ignore[arg-type]


# --- Bitstring misuse -----------------------------------------------------------------------------------------


def test_bitstring_refuses_bad_sizes_indexes_and_values() -> None:
    for entries, size in ((0, 1), (8, 0)):
        with pytest.raises(ValueError):
            Bitstring(entries, status_size=size)
    with pytest.raises(ValueError):
        Bitstring.from_bytes(b"\0", status_size=9)
    bitstring = Bitstring(16, status_size=2)
    for bad_index in (-1, 16, True):
        with pytest.raises(IndexError):
            bitstring.get(bad_index)
    for bad_value in (-1, 4):
        with pytest.raises(ValueError):
            bitstring.set(0, bad_value)
    bitstring.set(1, True)
    assert bitstring.get(1) == 1
    assert Bitstring.from_bytes(b"\xff", status_size=3).entries == 2  # trailing bits that make no entry


# --- BitstringStatusListEntry ---------------------------------------------------------------------------------


def test_entry_json_uses_a_string_index_and_an_id_with_the_index_fragment() -> None:
    built = BitstringStatusListEntry(
        status_list_credential=LIST_URL, status_list_index=94567, status_purpose="revocation"
    )
    assert built.to_json() == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert BitstringStatusListEntry.from_json(built.to_json()) == BitstringStatusListEntry(
        LIST_URL, 94567, "revocation", id=f"{LIST_URL}#94567"
    )


def test_entry_with_messages_round_trips() -> None:
    messages = tuple(StatusMessage(i, m) for i, m in enumerate(["pending", "accepted", "rejected", "undefined"]))
    built = BitstringStatusListEntry(
        LIST_URL, 7, "message", status_size=2, status_message=messages, status_reference=("https://x.example/d",)
    )
    as_json = built.to_json()
    assert as_json["statusSize"] == 2 and as_json["statusMessage"][2] == {"status": "0x2", "message": "rejected"}
    assert as_json["statusReference"] == "https://x.example/d"
    assert BitstringStatusListEntry.from_json(as_json) == BitstringStatusListEntry(
        LIST_URL, 7, "message", 2, messages, ("https://x.example/d",), f"{LIST_URL}#7"
    )
    two_refs = BitstringStatusListEntry(LIST_URL, 1, "suspension", status_reference=("https://a", "https://b"))
    assert two_refs.to_json()["statusReference"] == ["https://a", "https://b"]
    assert StatusMessage.from_json({"status": "0XA", "message": "x"}).status == 10


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status_list_index": -1},
        {"status_purpose": ""},
        {"status_size": 0},
        {"status_size": 2},  # statusMessage MUST be present
        {"status_size": 2, "status_message": (StatusMessage(0, "a"), StatusMessage(1, "b"))},
    ],
)
def test_entry_constructor_refuses_invalid_values(kwargs: dict[str, Any]) -> None:
    base: dict[str, Any] = {"status_list_credential": LIST_URL, "status_list_index": 1, "status_purpose": "revocation"}
    with pytest.raises(ValueError):
        BitstringStatusListEntry(**(base | kwargs))


_FOUR = [{"status": f"0x{i}", "message": str(i)} for i in range(4)]


@pytest.mark.parametrize(
    "value",
    [
        "not an object",
        entry(type="StatusList2021Entry"),
        entry(statusPurpose=1),
        entry(statusPurpose=""),
        entry(statusListCredential=None),
        entry(index="-1"),
        entry(index="1.5"),
        entry(index=""),
        entry(index=" 1"),
        entry(index="\uff11"),  # fullwidth digit one
        entry(index="9" * 5000),  # beyond the integer-string limit
        entry(index=-1),
        entry(index=True),
        entry(index=1.0),
        entry(statusSize=0),
        entry(statusSize=True),
        entry(statusSize="2"),
        entry(statusSize=2),  # no statusMessage
        entry(statusSize=2, statusMessage=_FOUR[:3]),
        entry(statusSize=10**9, statusMessage=_FOUR),
        entry(statusMessage="0x0"),
        entry(statusMessage=["x", "y"]),
        entry(statusMessage=[{"status": "1", "message": "a"}, {"status": "0x1", "message": "b"}]),
        entry(statusMessage=[{"status": "0x0"}, {"status": "0x1", "message": "b"}]),
        entry(id=LIST_URL),  # MUST NOT be the URL of the status list
        entry(id=5),
        entry(statusReference=5),
        entry(statusReference=["https://a", ""]),
    ],
)
def test_malformed_entries_raise_malformed_value_error(value: Any) -> None:
    with pytest.raises(BitstringStatusListError) as exc:
        BitstringStatusListEntry.from_json(value)
    assert code_of(exc) is ErrorCode.MALFORMED_VALUE_ERROR


def test_entry_type_may_be_an_array_and_index_may_be_a_number() -> None:
    parsed = BitstringStatusListEntry.from_json(entry(index=23, type=["BitstringStatusListEntry"]))
    assert parsed.status_list_index == 23
    assert BitstringStatusListEntry.from_json(entry(index="007")).status_list_index == 7


# --- check_status (§3.2) --------------------------------------------------------------------------------------


def _revoked_list(*indexes: int, entries: int = MIN_ENTRIES, status_size: int = 1) -> Bitstring:
    bitstring = Bitstring(entries, status_size=status_size)
    for index in indexes:
        bitstring.set(index, 1)
    return bitstring


def test_check_status_reads_set_and_unset_entries() -> None:
    cred = list_credential(_revoked_list(5, MIN_ENTRIES - 1))
    assert check_status(entry("5"), cred) == BitstringStatus(1, "revocation", False)
    assert check_status(entry(str(MIN_ENTRIES - 1)), cred).is_set
    assert check_status(entry("6"), cred) == BitstringStatus(0, "revocation", True)
    parsed = BitstringStatusListEntry.from_json(entry("5"))
    assert check_status(parsed, cred).is_set


def test_list_with_several_purposes_and_array_subject() -> None:
    cred = list_credential(_revoked_list(5), purpose=["revocation", "suspension"])
    assert check_status(entry("5", purpose="suspension"), cred).is_set
    cred["credentialSubject"] = [cred["credentialSubject"]]
    assert check_status(entry("5"), cred).is_set


def test_purpose_mismatch_is_a_verification_error() -> None:
    with pytest.raises(BitstringStatusListError) as exc:
        check_status(entry("5", purpose="suspension"), list_credential(_revoked_list(5)))
    assert code_of(exc) is ErrorCode.STATUS_VERIFICATION_ERROR
    assert exc.value.type.endswith("#STATUS_VERIFICATION_ERROR")


def test_index_outside_the_list_is_a_range_error() -> None:
    with pytest.raises(BitstringStatusListError) as exc:
        check_status(entry(str(MIN_ENTRIES)), list_credential(_revoked_list()))
    assert code_of(exc) is ErrorCode.RANGE_ERROR


def test_short_list_is_a_length_error_unless_the_ecosystem_lowers_the_bound() -> None:
    cred = list_credential(_revoked_list(5, entries=1024))
    with pytest.raises(BitstringStatusListError) as exc:
        check_status(entry("5"), cred)
    assert code_of(exc) is ErrorCode.STATUS_LIST_LENGTH_ERROR
    assert check_status(entry("5"), cred, min_entries=1024).is_set
    # statusSize counts: 16 KB of 2-bit entries holds only 65,536 entries.
    two_bit = entry("5", statusSize=2, statusMessage=_FOUR)
    with pytest.raises(BitstringStatusListError) as exc:
        check_status(two_bit, load("bitstring-status-list-testlist.json"))
    assert code_of(exc) is ErrorCode.STATUS_LIST_LENGTH_ERROR


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c.update(type=["VerifiableCredential"]),
        lambda c: c["credentialSubject"].update(type="StatusList2021"),
        lambda c: c.update(credentialSubject=[]),
        lambda c: c["credentialSubject"].update(statusPurpose=5),
        lambda c: c["credentialSubject"].update(statusPurpose=[]),
        lambda c: c["credentialSubject"].update(encodedList="zabc"),
        lambda c: c["credentialSubject"].pop("encodedList"),
        lambda c: c.update(validFrom="yesterday"),
        lambda c: c.update(validUntil="2026-11-22T12:00:00"),  # no time zone
    ],
)
def test_malformed_status_list_credentials(mutate: Any) -> None:
    cred = list_credential(_revoked_list(5))
    mutate(cred)
    with pytest.raises(BitstringStatusListError) as exc:
        check_status(entry("5"), cred, now=T0)
    assert code_of(exc) is ErrorCode.MALFORMED_VALUE_ERROR


def test_status_list_credential_must_be_an_object() -> None:
    with pytest.raises(BitstringStatusListError):
        check_status(entry("5"), [])  # type: ignore[arg-type]


def test_validity_period_of_the_list_is_checked_when_now_is_given() -> None:
    cred = list_credential(_revoked_list(5))
    cred["validUntil"] = "2026-11-22T13:00:00Z"
    assert check_status(entry("5"), cred, now=T0).is_set
    # beyond the 60 s clock skew allowed on either side
    for now in (datetime(2026, 11, 22, 11, 58, tzinfo=UTC), datetime(2026, 11, 22, 13, 2, tzinfo=UTC)):
        with pytest.raises(BitstringStatusListError) as exc:
            check_status(entry("5"), cred, now=now)
        assert code_of(exc) is ErrorCode.STATUS_VERIFICATION_ERROR
    assert check_status(entry("5"), cred).is_set  # without `now` the caller has checked validity itself


def test_message_purpose_returns_the_message() -> None:
    messages = [
        StatusMessage(0, "pending_review"),
        StatusMessage(1, "accepted"),
        StatusMessage(2, "rejected"),
        StatusMessage(3, "undefined"),
    ]
    bitstring = Bitstring(MIN_ENTRIES, status_size=2)
    bitstring.set(492847 % MIN_ENTRIES, 2)
    cred = status_list_credential(
        url=LIST_URL,
        issuer={"id": "did:example:issuer", "type": ["Profile"]},
        bitstring=bitstring,
        status_purpose="message",
        valid_from=T0,
        status_messages=messages,
    )
    assert cred["credentialSubject"]["statusSize"] == 2 and len(cred["credentialSubject"]["statusMessages"]) == 4
    index = str(492847 % MIN_ENTRIES)
    with_messages = entry(index, purpose="message", statusSize=2, statusMessage=[m.to_json() for m in messages])
    assert check_status(with_messages, cred) == BitstringStatus(2, "message", False, "rejected")
    # Without messages in the entry (statusSize 1 would not fit here), the list's statusMessages are used.
    one_bit = Bitstring()
    one_bit.set(3, 1)
    cred = status_list_credential(
        url=LIST_URL,
        issuer="did:example:issuer",
        bitstring=one_bit,
        status_purpose="message",
        valid_from=T0,
        status_messages=[StatusMessage(0, "ok"), StatusMessage(1, "flagged")],
    )
    assert check_status(entry("3", purpose="message"), cred).message == "flagged"
    assert check_status(entry("4", purpose="message"), cred).message == "ok"


# --- status_list_credential -----------------------------------------------------------------------------------


def test_status_list_credential_members() -> None:
    cred = status_list_credential(
        url=LIST_URL,
        issuer="did:example:issuer",
        bitstring=Bitstring(),
        status_purpose=["revocation", "suspension"],
        valid_from=T0,
        valid_until=datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
        ttl_ms=300_000,
    )
    assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert (cred["validFrom"], cred["validUntil"]) == ("2026-11-22T12:00:00Z", "2026-11-23T13:00:00Z")
    subject = cred["credentialSubject"]
    assert subject["id"] == f"{LIST_URL}#list" and subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == ["revocation", "suspension"] and subject["ttl"] == 300_000
    assert "statusSize" not in subject


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bitstring": Bitstring(MIN_ENTRIES - 8)},
        {"status_purpose": []},
        {"status_purpose": [""]},
        {"status_purpose": "message"},  # needs statusMessages
        {"status_messages": [StatusMessage(0, "a")]},  # 2 ** statusSize messages
        {"ttl_ms": 0},
        {"ttl_ms": True},
        {"valid_from": datetime(2026, 1, 1)},  # naive
    ],
)
def test_status_list_credential_refuses_invalid_input(kwargs: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "url": LIST_URL,
        "issuer": "did:example:issuer",
        "bitstring": Bitstring(),
        "status_purpose": "revocation",
        "valid_from": T0,
    }
    with pytest.raises(ValueError):
        status_list_credential(**(base | kwargs))


def test_a_list_signed_moments_after_the_verifiers_clock_is_accepted() -> None:
    cred = list_credential(_revoked_list(5))
    cred["validFrom"] = "2026-11-22T12:00:30Z"  # 30 s "in the future": clock skew, not an invalid list
    assert check_status(entry("5"), cred, now=T0).is_set
