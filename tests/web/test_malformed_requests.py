"""No wallet-facing or public request is ever answered with a 500, or with a 200 that carries an error.

Project rule: every error path answers the spec's error code and HTTP status as ``{"error", "error_description"}``
with ``Cache-Control: no-store`` -- RFC 6749 §5.2 at the Token Endpoint, RFC 6750 §3.1 for bearer tokens,
OpenID4VCI 1.0 §8.3.1.2 (Credential), §9.3 (Deferred Credential) and §11.3 (Notification), OpenID4VP 1.0 §8.2
(Response URI: ``invalid_request``). Each endpoint gets a table of hostile inputs, one named case each: bodies of
every wrong shape and encoding, JWTs with broken segments or forbidden algorithms, odd paths, query strings and
Authorization headers. Requests go over a raw socket so that bytes reach the server exactly as written.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote, urlsplit

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from oid4vc.clock import FixedClock
from oid4vc.config import load_settings
from oid4vc.crypto.jwcrypto import encrypt_for_test, new_encryption_key
from oid4vc.crypto.keys import SigningKey
from oid4vc.crypto.keystore import KeyRing
from oid4vc.encoding import b64url_encode
from oid4vc.formats.sd_jwt import sd_digest
from oid4vc.jose import public_jwk
from oid4vc.store.memory import MemoryStore
from oid4vc.web.app import create_app
from tests.conftest import ADMIN, ADMIN_TOKEN, PUBLIC_URL, T0, AppClient
from tests.support.presenter import fetch_request
from tests.support.wallet import holder_key
from tests.web.flow import create_offer, get_token, nonce, pre_authorized_code, resolve_offer
from tests.web.lifecycle import claims_of, issue

# One app for the whole module (hundreds of cases; the function-scoped ``client`` of conftest would start one per
# case). Cases do not depend on each other: each makes its own offer, access token, c_nonce or presentation request.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AppClient]:
    settings = load_settings(
        overrides={
            "server": {"public_url": PUBLIC_URL, "data_dir": str(tmp_path_factory.mktemp("data")),
                       "jsonld_workers": 0},
            "admin": {"token": ADMIN_TOKEN},
        },
        environ={},
    )
    app = create_app(settings, store=MemoryStore(), keys=KeyRing.ephemeral(), clock=FixedClock(T0),
                     admin_token=ADMIN_TOKEN)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


JWT_VC = "OpenBadgeCredential_jwt_vc_json"
SD_JWT = "OpenBadgeCredential_dc_sd_jwt"
PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
VC = "https://www.w3.org/2018/credentials#VerifiableCredential"
LONG = "A" * 10_000  # a 10 KB value
TOKEN_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                "unsupported_grant_type", "invalid_scope"}  # RFC 6749 §5.2


# -- raw HTTP --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def send(
    client: AppClient,
    method: str,
    target: str,
    *,
    body: bytes = b"",
    content_type: str | None = None,
    headers: tuple[tuple[str, bytes], ...] = (),
) -> Answer:
    """One HTTP/1.1 request written byte for byte (``target`` as sent: percent-encode it yourself)."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), f"Host: {client.host}:{client.port}".encode()]
    if content_type is not None:
        lines.append(b"Content-Type: " + content_type.encode("latin-1"))
    lines += [name.encode("latin-1") + b": " + value for name, value in headers]
    if "Transfer-Encoding" not in dict(headers):
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: close")
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answer_headers[name.strip().lower()] = value.strip()
    if answer_headers.get("transfer-encoding") == "chunked":
        payload = _dechunk(payload)
    return Answer(int(status_line.split()[1]), answer_headers, payload)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + rest[:size], rest[size + 2:]
    return out


# -- expectations ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Err:
    """A JSON error object with this status and code, ``Cache-Control: no-store``."""

    status: int
    code: str


@dataclass(frozen=True, slots=True)
class Ok:
    status: int = 200


@dataclass(frozen=True, slots=True)
class Refused:
    """Refused by the HTTP parser before the application sees it (a 4xx without a body we choose)."""


Expect = Err | Ok | Refused


def check(answer: Answer, expected: Expect) -> None:
    assert answer.status < 500, (answer.status, answer.body[:300])
    if isinstance(expected, Refused):
        assert 400 <= answer.status < 500, (answer.status, answer.body[:300])
        return
    if isinstance(expected, Ok):
        assert answer.status == expected.status, (answer.status, answer.body[:300])
        if answer.headers.get("content-type", "").startswith(JSON) and answer.body:
            body = answer.json()
            assert not (isinstance(body, dict) and body.get("error")), body  # never a 200 with an error inside
        return
    assert (answer.status, answer.headers.get("content-type", "").split(";")[0]) == (expected.status, JSON), (
        answer.status, answer.body[:300])
    body = answer.json()
    assert isinstance(body, dict) and set(body) <= {"error", "error_description"}, body
    assert body["error"] == expected.code, body
    assert isinstance(body.get("error_description", ""), str)
    assert answer.headers.get("cache-control") == "no-store"
    if expected.status == 401 and expected.code == "invalid_token":  # RFC 6750 §3
        assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


# -- hostile bodies --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    content_type: str | None = JSON
    headers: tuple[tuple[str, bytes], ...] = field(default=())
    query: str = ""  # appended to the path as sent, percent-encoding and all


def _nested(depth: int) -> bytes:
    return b"[" * depth


# Bodies no JSON endpoint can accept as a request object: each must be the endpoint's "malformed request" error.
JSON_BATTERY: dict[str, Body] = {
    "empty": Body(b""),
    "no_content_type": Body(b"{}", None),
    "text_plain": Body(b"{}", "text/plain"),
    "form_content_type": Body(b"a=b", FORM),
    "multipart": Body(b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    "invalid_utf8": Body(b'{"a": "\xff\xfe"}'),
    "truncated": Body(b'{"a": '),
    "trailing_garbage": Body(b"{}}"),
    "null": Body(b"null"),
    "number": Body(b"42"),
    "string": Body(b'"x"'),
    "array": Body(b"[]"),
    "true": Body(b"true"),
    "deep_array": Body(_nested(100_000)),
    "deep_object": Body(b'{"a":' * 50_000),
    "deep_inside_object": Body(b'{"x": ' + _nested(100_000) + b"}"),
    "huge_exponent": Body(b"1e999"),
    "digits_400": Body(b"1" * 400),
    "digits_5000": Body(b"1" * 5000),
    "nan_literal": Body(b"NaN"),
    "infinity_literal": Body(b"-Infinity"),
    "nan_member": Body(b'{"x": NaN, "y": Infinity}'),
    "lone_surrogate_member": Body(b'{"\\ud800": "\\udfff"}'),
    "nul_member": Body(b'{"\\u0000": "\\u0000"}'),
    "bom": Body(b"\xef\xbb\xbf{}"),
    "charset_utf16": Body('{"a": 1}'.encode("utf-16"), "application/json; charset=utf-16"),
    "charset_nope": Body(b"{}", "application/json; charset=nope"),
    "json_patch_type": Body(b"{}", "application/json-patch+json"),
}


def _form(**fields: str) -> bytes:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in fields.items()).encode()


# Form bodies that are broken as forms (RFC 6749 App. B, URL Standard §5.1): each must be the endpoint's
# "malformed request" error. Endpoint tables add bodies that are well-formed but wrong.
FORM_BATTERY: dict[str, Body] = {
    "json_content_type": Body(b'{"grant_type": "x"}', JSON),
    "no_content_type": Body(b"a=b", None),
    "text_plain": Body(b"a=b", "text/plain"),
    "multipart": Body(b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    "invalid_utf8": Body(b"a=\xff\xfe", FORM),
    "percent_invalid_utf8": Body(b"a=%FF%FE", FORM),
    "percent_surrogate": Body(b"a=%ED%A0%80", FORM),
    "percent_overlong": Body(b"a=%C0%AF", FORM),
    "too_many_fields": Body(b"&".join(b"f%d=1" % i for i in range(101)), FORM),
    "charset_nope": Body(b"a=b", FORM + "; charset=nope"),
    "charset_base64": Body(b"a=b", FORM + "; charset=base64"),
    "charset_rot13": Body(b"a=b", FORM + "; charset=rot13"),
    "charset_utf16_odd": Body(b"a=b", FORM + "; charset=utf-16"),
    "charset_utf16_surrogate": Body(b"\xff\xfea\x00=\x00\x00\xd8", FORM + "; charset=utf-16"),
    "charset_unicode_escape": Body(b"a=\\ud800", FORM + "; charset=unicode_escape"),
    "charset_utf7_surrogate": Body(b"a=+2AA-", FORM + "; charset=utf-7"),
}


def _each(battery: Mapping[str, Body], expected: Expect) -> dict[str, tuple[Body, Expect]]:
    """Every body of a battery, with the one answer the endpoint owes them all."""
    return {name: (body, expected) for name, body in battery.items()}


def _params(table: Mapping[str, Any]) -> list[Any]:
    return [pytest.param(value, id=name) for name, value in table.items()]


# -- Authorization headers (RFC 6750 §2.1, §3.1) ---------------------------------------------------------------

AUTH_BATTERY: dict[str, tuple[bytes | None, Expect]] = {
    "missing": (None, Err(401, "invalid_token")),
    "empty": (b"", Err(401, "invalid_token")),
    "bearer_alone": (b"Bearer", Err(401, "invalid_token")),
    "bearer_space": (b"Bearer ", Err(401, "invalid_token")),
    "bearer_two_spaces": (b"Bearer  ", Err(401, "invalid_token")),
    "bearer_tab": (b"Bearer\tx", Err(401, "invalid_token")),
    "basic": (b"Basic x", Err(401, "invalid_token")),
    "basic_credentials": (b"Basic dXNlcjpwYXNz", Err(401, "invalid_token")),
    "dpop_scheme": (b"DPoP abc", Err(401, "invalid_token")),
    "lower_case_unknown": (b"bearer abc", Err(401, "invalid_token")),
    "token_with_space": (b"Bearer a b", Err(401, "invalid_token")),
    "token_8kb": (b"Bearer " + b"a" * 8000, Err(401, "invalid_token")),
    "token_10kb": (b"Bearer " + LONG.encode(), Refused()),  # over aiohttp's 8190-byte header field limit
    "non_ascii_bytes": (b"Bearer \xff\xfe\x80", Err(401, "invalid_token")),
    "utf8_token": ("Bearer é☃".encode(), Err(401, "invalid_token")),
    "latin1_scheme": (b"B\xe9arer abc", Err(401, "invalid_token")),
    "control_char": (b"Bearer a\x01b", Refused()),  # aiohttp's parser refuses control characters
}


# -- fixtures: reach the deeper states ---------------------------------------------------------------------------


async def _bearer(client: AppClient) -> tuple[tuple[str, bytes], ...]:
    token, _ = await get_token(client)
    return (("Authorization", f"Bearer {token}".encode()),)


def _jws(key: SigningKey, header: bytes | Mapping[str, Any], payload: bytes | Mapping[str, Any]) -> str:
    """A compact JWS over exactly these header and payload bytes (JSON text), signed with ``key``."""
    def segment(part: bytes | Mapping[str, Any]) -> str:
        return b64url_encode(part if isinstance(part, bytes) else json.dumps(part).encode())

    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign_bytes(signing_input.encode()))}"


# ==============================================================================================================
# Token Endpoint (OpenID4VCI 1.0 §6, RFC 6749 §5.2): form body, every error 400 with an RFC 6749 code
# ==============================================================================================================

TOKEN_CASES: dict[str, tuple[Body, Expect]] = _each(FORM_BATTERY, Err(400, "invalid_request")) | {
    "empty": (Body(b"", FORM), Err(400, "invalid_request")),
    "repeated_grant_type": (Body(_form(grant_type=PRE) + b"&grant_type=" + quote(PRE, safe="").encode(), FORM),
                            Err(400, "invalid_request")),
    "repeated_code": (Body(_form(grant_type=PRE) + b"&pre-authorized_code=a&pre-authorized_code=b", FORM),
                      Err(400, "invalid_request")),
    "missing_grant_type": (Body(_form(**{"pre-authorized_code": "abc"}), FORM), Err(400, "invalid_request")),
    "wrong_grant_type": (Body(_form(grant_type="authorization_code", code="x"), FORM),
                         Err(400, "unsupported_grant_type")),
    "empty_grant_type": (Body(_form(grant_type=""), FORM), Err(400, "unsupported_grant_type")),
    "nul_grant_type": (Body(_form(grant_type="\x00"), FORM), Err(400, "unsupported_grant_type")),
    "missing_code": (Body(_form(grant_type=PRE), FORM), Err(400, "invalid_request")),
    "empty_code": (Body(_form(grant_type=PRE, **{"pre-authorized_code": ""}), FORM), Err(400, "invalid_request")),
    "unknown_code": (Body(_form(grant_type=PRE, **{"pre-authorized_code": "nope"}), FORM), Err(400, "invalid_grant")),
    "nul_code": (Body(_form(grant_type=PRE, **{"pre-authorized_code": "\x00"}), FORM), Err(400, "invalid_grant")),
    "percent_garbage_code": (Body(_form(grant_type=PRE) + b"&pre-authorized_code=%zz%", FORM),
                             Err(400, "invalid_grant")),
    "long_code": (Body(_form(grant_type=PRE, **{"pre-authorized_code": LONG}), FORM), Err(400, "invalid_grant")),
    "long_tx_code": (Body(_form(grant_type=PRE, tx_code=LONG, **{"pre-authorized_code": "x"}), FORM),
                     Err(400, "invalid_grant")),
    "non_ascii_code": (Body(_form(grant_type=PRE, **{"pre-authorized_code": "é☃\U0001f600"}), FORM),
                       Err(400, "invalid_grant")),
    "trailing_newline": (Body(_form(grant_type=PRE, **{"pre-authorized_code": "x"}) + b"\r\n", FORM),
                         Err(400, "invalid_grant")),
    "charset_latin1": (Body(_form(grant_type=PRE) + b"&pre-authorized_code=\xe9", FORM + "; charset=iso-8859-1"),
                       Err(400, "invalid_grant")),
    "charset_utf16_valid": (Body((f"grant_type={quote(PRE, safe='')}&pre-authorized_code=x").encode("utf-16"),
                                 FORM + "; charset=utf-16"), Err(400, "invalid_grant")),
    "charset_empty": (Body(_form(grant_type=PRE, **{"pre-authorized_code": "x"}), FORM + "; charset="),
                      Err(400, "invalid_grant")),
    "charset_unicode_escape_code": (Body(_form(grant_type=PRE) + b"&pre-authorized_code=\\ud800",
                                         FORM + "; charset=unicode_escape"), Err(400, "invalid_request")),
    "charset_utf7_code": (Body(_form(grant_type=PRE) + b"&pre-authorized_code=+2AA-", FORM + "; charset=utf-7"),
                          Err(400, "invalid_request")),
    "query_garbage": (Body(_form(grant_type=PRE, **{"pre-authorized_code": "x"}), FORM,
                           query="%FF=%00&a=" + LONG[:4000]), Err(400, "invalid_grant")),
}


@pytest.mark.parametrize("case", _params(TOKEN_CASES))
async def test_token_endpoint(client: AppClient, case: tuple[Body, Expect]) -> None:
    body, expected = case
    target = f"/token?{body.query}" if body.query else "/token"
    answer = await send(client, "POST", target, body=body.data, content_type=body.content_type)
    check(answer, expected)
    if isinstance(expected, Err):
        assert expected.code in TOKEN_ERRORS


async def test_token_endpoint_wrong_method(client: AppClient) -> None:
    check(await send(client, "GET", "/token"), Err(405, "method_not_allowed"))


async def test_a_refused_token_request_does_not_burn_the_code(client: AppClient) -> None:
    """Hostile bodies next to a real code: each refused, and the code still redeems afterwards."""
    created = await create_offer(client)
    code = pre_authorized_code(await resolve_offer(client, created["offer_uri"]))
    for body in (_form(grant_type=PRE, **{"pre-authorized_code": code}) + b"&tx_code=" + LONG.encode(),
                 _form(grant_type=PRE, **{"pre-authorized_code": code}) + b"&grant_type=x"):
        answer = await send(client, "POST", "/token", body=body, content_type=FORM)
        assert answer.status == 400 and answer.json()["error"] in TOKEN_ERRORS
    answer = await send(client, "POST", "/token", body=_form(grant_type=PRE, **{"pre-authorized_code": code}),
                        content_type=FORM)
    check(answer, Ok())


# ==============================================================================================================
# Transfer and content codings: a body that cannot be read is the endpoint's own "malformed request" error
# ==============================================================================================================

NOISE = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(100))  # 3.2 KB, not UTF-8, not compressible
CODINGS: dict[str, tuple[bytes, tuple[tuple[str, bytes], ...], bool]] = {  # body, headers, refused by the parser
    "gzip_garbage": (b"not gzip", (("Content-Encoding", b"gzip"),), False),
    "deflate_garbage": (b"not deflate", (("Content-Encoding", b"deflate"),), False),
    "gzip_truncated": (gzip.compress(NOISE)[:-200], (("Content-Encoding", b"gzip"),), False),
    "gzip_over_size_limit": (gzip.compress(b" " * 1_200_000), (("Content-Encoding", b"gzip"),), False),
    "brotli_without_brotli": (b"not br", (("Content-Encoding", b"br"),), True),
    "chunk_size_garbage": (b"zz\r\nabc\r\n0\r\n\r\n", (("Transfer-Encoding", b"chunked"),), True),
}
READ_BODY_ENDPOINTS: dict[str, tuple[str, str, str]] = {  # path, media type, malformed-request code
    "token": ("/token", FORM, "invalid_request"),
    "credential": ("/credential", JSON, "invalid_credential_request"),
    "deferred_credential": ("/deferred_credential", JSON, "invalid_credential_request"),
    "notification": ("/notification", JSON, "invalid_notification_request"),
    "response": ("/presentations/{pid}/response", FORM, "invalid_request"),
    "request_uri_post": ("/presentations/{pid}/request", FORM, "invalid_request"),
}


@pytest.mark.parametrize("coding", _params(CODINGS))
@pytest.mark.parametrize("endpoint", _params(READ_BODY_ENDPOINTS))
async def test_unreadable_bodies(
    client: AppClient, endpoint: tuple[str, str, str], coding: tuple[bytes, tuple[tuple[str, bytes], ...], bool]
) -> None:
    (path, media_type, code), (body, headers, refused) = endpoint, coding
    if "{pid}" in path:
        path = path.replace("/presentations/{pid}", (await _pending(client)).path)
    elif path != "/token":
        headers += await _bearer(client)
    answer = await send(client, "POST", path, body=body, content_type=media_type, headers=headers)
    if refused:
        check(answer, Refused())
    elif coding == CODINGS["gzip_over_size_limit"]:
        check(answer, Err(413, "invalid_request"))  # client_max_size counts decoded bytes
    else:
        check(answer, Err(400, code))


# ==============================================================================================================
# Nonce Endpoint (§7): no input; whatever is sent, a fresh c_nonce
# ==============================================================================================================

NONCE_CASES: dict[str, tuple[str, Body, Expect]] = {
    "json_garbage": ("POST", Body(b"[" * 1000), Ok()),
    "form_garbage": ("POST", Body(b"\xff\xfe", FORM), Ok()),
    "query_garbage": ("POST", Body(b"", None, query="%FF%00=" + LONG[:4000]), Ok()),
    "authorization_garbage": ("POST", Body(b"", None, (("Authorization", b"Bearer \xff"),)), Ok()),
    "get": ("GET", Body(b"", None), Err(405, "method_not_allowed")),
}


@pytest.mark.parametrize("case", _params(NONCE_CASES))
async def test_nonce_endpoint(client: AppClient, case: tuple[str, Body, Expect]) -> None:
    method, body, expected = case
    target = f"/nonce?{body.query}" if body.query else "/nonce"
    answer = await send(client, method, target, body=body.data, content_type=body.content_type, headers=body.headers)
    check(answer, expected)
    if isinstance(expected, Ok):
        assert answer.headers["cache-control"] == "no-store" and answer.json()["c_nonce"]


# ==============================================================================================================
# Bearer-protected endpoints (RFC 6750 §3.1): credential, deferred credential, notification
# ==============================================================================================================

PROTECTED = ["/credential", "/deferred_credential", "/notification"]


@pytest.mark.parametrize("path", PROTECTED)
@pytest.mark.parametrize("case", _params(AUTH_BATTERY))
async def test_bearer_token_is_checked_first(client: AppClient, path: str, case: tuple[bytes | None, Expect]) -> None:
    value, expected = case
    headers = () if value is None else (("Authorization", value),)
    check(await send(client, "POST", path, body=b"[", content_type=JSON, headers=headers), expected)


ADMIN_AUTH = {name: value for name, (value, _) in AUTH_BATTERY.items() if name != "token_10kb"} | {
    "admin_token_with_junk": f"Bearer {ADMIN_TOKEN}\xff".encode("latin-1"),
    "admin_token_non_ascii_prefix": f"Bearer \u00e9{ADMIN_TOKEN}".encode(),
}


@pytest.mark.parametrize("value", _params(ADMIN_AUTH))
async def test_admin_api_refuses_without_its_token(client: AppClient, value: bytes | None) -> None:
    """The operator API is reachable by anyone: a bad Authorization header is its 401, never a 500."""
    headers = () if value is None else (("Authorization", value),)
    answer = await send(client, "POST", "/admin/offers", body=b"{}", content_type=JSON, headers=headers)
    if b"\x01" in (value or b""):
        check(answer, Refused())
    else:
        check(answer, Err(401, "unauthorized"))


REQUEST_IDS: dict[str, tuple[bytes, str | None]] = {  # X-Request-Id sent -> echoed (None: a fresh one)
    "plain": (b"abc-123_x", "abc-123_x"),
    "too_long": (b"a" * 65, None),
    "non_ascii_letters": ("\u00e9t\u00e9".encode(), None),
    "non_ascii_digits": ("\u0661\u0662\u0663".encode(), None),
    "invalid_utf8": (b"\xff\xfe", None),
    "empty": (b"", None),
    "spaces": (b"a b", None),
}


@pytest.mark.parametrize("case", _params(REQUEST_IDS))
async def test_request_id_header(client: AppClient, case: tuple[bytes, str | None]) -> None:
    """A caller's request id is echoed (and logged) only when short and plain ASCII; otherwise a fresh one."""
    value, echoed = case
    answer = await send(client, "POST", "/token", body=b"", content_type=FORM, headers=(("X-Request-Id", value),))
    check(answer, Err(400, "invalid_request"))
    rid = answer.headers["x-request-id"]
    assert rid == echoed if echoed else (rid.isascii() and rid.isalnum() and rid != value.decode("latin-1"))


async def test_repeated_authorization_headers(client: AppClient) -> None:
    bearer = (await _bearer(client))[0]
    answer = await send(client, "POST", "/credential", body=b"{}", content_type=JSON,
                        headers=(("Authorization", b"Basic x"), bearer))
    check(answer, Err(401, "invalid_token"))  # the first one counts; it is not a bearer token


# ==============================================================================================================
# Credential Endpoint (§8): errors of §8.3.1.2, reached with a valid access token (and c_nonce for proofs)
# ==============================================================================================================

BAD_CREDENTIAL_REQUEST = Err(400, "invalid_credential_request")
BAD_PROOF = Err(400, "invalid_proof")


def _credential_body(**members: Any) -> Body:
    return Body(json.dumps({"credential_configuration_id": JWT_VC} | members).encode())


CREDENTIAL_BODIES: dict[str, tuple[Body, Expect]] = _each(JSON_BATTERY, BAD_CREDENTIAL_REQUEST) | {
    "empty_object": (Body(b"{}"), BAD_CREDENTIAL_REQUEST),
    "config_id_list": (Body(json.dumps({"credential_configuration_id": [JWT_VC]}).encode()), BAD_CREDENTIAL_REQUEST),
    "config_id_number": (Body(b'{"credential_configuration_id": 1e999}'), BAD_CREDENTIAL_REQUEST),
    "config_id_huge_int": (Body(b'{"credential_configuration_id": ' + b"9" * 400 + b"}"), BAD_CREDENTIAL_REQUEST),
    "config_id_object": (Body(b'{"credential_configuration_id": {}}'), BAD_CREDENTIAL_REQUEST),
    "config_id_null": (Body(b'{"credential_configuration_id": null}'), BAD_CREDENTIAL_REQUEST),
    "config_id_nan": (Body(b'{"credential_configuration_id": NaN}'), BAD_CREDENTIAL_REQUEST),
    "config_id_unknown": (_credential_body(credential_configuration_id="nope"),
                          Err(400, "unknown_credential_configuration")),
    "config_id_surrogate": (Body(b'{"credential_configuration_id": "\\ud800"}'), BAD_CREDENTIAL_REQUEST),
    "config_id_surrogate_bytes": (Body(b'{"credential_configuration_id": "\xed\xa0\x80"}'), BAD_CREDENTIAL_REQUEST),
    "config_id_surrogate_pair": (Body(b'{"credential_configuration_id": "\\ud83d\\ude00"}'),
                                 Err(400, "unknown_credential_configuration")),
    "config_id_nul": (Body(b'{"credential_configuration_id": "\\u0000"}'),
                      Err(400, "unknown_credential_configuration")),
    "config_id_10kb": (_credential_body(credential_configuration_id=LONG),
                       Err(400, "unknown_credential_configuration")),
    "config_id_not_granted": (_credential_body(credential_configuration_id=SD_JWT), BAD_CREDENTIAL_REQUEST),
    "identifier_list": (Body(b'{"credential_identifier": ["x"]}'), BAD_CREDENTIAL_REQUEST),
    "identifier_unknown": (Body(b'{"credential_identifier": "x"}'), Err(400, "unknown_credential_identifier")),
    "identifier_and_config_id": (_credential_body(credential_identifier="x"), BAD_CREDENTIAL_REQUEST),
    "duplicate_keys": (Body(b'{"credential_configuration_id": [], "credential_configuration_id": "'
                            + JWT_VC.encode() + b'"}'), BAD_PROOF),
    "no_proofs": (_credential_body(), BAD_PROOF),
    "draft_proof_only": (_credential_body(proof={"proof_type": "jwt", "jwt": "x"}), BAD_PROOF),
    "proofs_null": (_credential_body(proofs=None), BAD_PROOF),
    "proofs_list": (_credential_body(proofs=[{"jwt": ["x"]}]), BAD_CREDENTIAL_REQUEST),
    "proofs_string": (_credential_body(proofs="x"), BAD_CREDENTIAL_REQUEST),
    "proofs_number": (_credential_body(proofs=1), BAD_CREDENTIAL_REQUEST),
    "proofs_empty": (_credential_body(proofs={}), BAD_CREDENTIAL_REQUEST),
    "proofs_two_types": (_credential_body(proofs={"jwt": ["x"], "attestation": ["y"]}), BAD_CREDENTIAL_REQUEST),
    "proofs_other_type": (_credential_body(proofs={"ldp_vp": [{}]}), BAD_PROOF),
    "proofs_jwt_string": (_credential_body(proofs={"jwt": "x.y.z"}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_empty_list": (_credential_body(proofs={"jwt": []}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_number": (_credential_body(proofs={"jwt": [1]}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_object": (_credential_body(proofs={"jwt": [{"jwt": "x"}]}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_list": (_credential_body(proofs={"jwt": [["x"]]}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_null": (_credential_body(proofs={"jwt": [None]}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_too_many": (_credential_body(proofs={"jwt": ["x"] * 11}), BAD_CREDENTIAL_REQUEST),
    "proofs_jwt_ten_thousand": (_credential_body(proofs={"jwt": ["x"] * 10_000}), BAD_CREDENTIAL_REQUEST),
    "encryption_object": (_credential_body(credential_response_encryption={}),
                          Err(400, "invalid_encryption_parameters")),
    "encryption_string": (_credential_body(credential_response_encryption="x"), BAD_CREDENTIAL_REQUEST),
    "too_large": (Body(b'{"x": "' + b"a" * (1024 * 1024 + 10) + b'"}'), Err(413, "invalid_request")),
}


@pytest.mark.parametrize("case", _params(CREDENTIAL_BODIES))
async def test_credential_request_body(client: AppClient, case: tuple[Body, Expect]) -> None:
    body, expected = case
    answer = await send(client, "POST", "/credential", body=body.data, content_type=body.content_type,
                        headers=await _bearer(client))
    check(answer, expected)


# Proofs: each builder gets the holder key and a fresh c_nonce and returns the value of proofs.jwt[0].
ProofBuilder = Callable[[SigningKey, str], Any]
TYP = "openid4vci-proof+jwt"


def _claims(c_nonce: str, **extra: Any) -> dict[str, Any]:
    return {"aud": PUBLIC_URL, "iat": int(T0.timestamp()), "nonce": c_nonce} | extra


def _header(key: SigningKey, **extra: Any) -> dict[str, Any]:
    return {"alg": key.alg, "typ": TYP, "jwk": key.public_jwk} | extra


def _raw_claims(c_nonce: str, iat: bytes) -> bytes:
    return b'{"aud": "' + PUBLIC_URL.encode() + b'", "nonce": "' + c_nonce.encode() + b'", "iat": ' + iat + b"}"


def _unsigned(header: Any, payload: Any) -> str:
    return f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(json.dumps(payload).encode())}."


def _did_key_kid(key: SigningKey) -> str:
    from oid4vc.dids.key import did_key_from_jwk

    did = did_key_from_jwk(key.public_jwk)
    return f"{did}#{did.removeprefix('did:key:')}"


PROOF_CASES: dict[str, tuple[ProofBuilder, Expect]] = {
    "empty_string": (lambda k, n: "", BAD_PROOF),
    "two_segments": (lambda k, n: "a.b", BAD_PROOF),
    "four_segments": (lambda k, n: "a.b.c.d", BAD_PROOF),
    "dots_only": (lambda k, n: "..", BAD_PROOF),
    "garbage_segments": (lambda k, n: "!!!.???.***", BAD_PROOF),
    "padded_base64": (lambda k, n: "eyJ9=.e30=.AA==", BAD_PROOF),
    "standard_base64": (lambda k, n: "e+/9.e30.AA", BAD_PROOF),
    "whitespace": (lambda k, n: " e30 . e30 . AA ", BAD_PROOF),
    "ten_kb": (lambda k, n: LONG, BAD_PROOF),
    "header_array": (lambda k, n: _jws(k, b"[]", _claims(n)), BAD_PROOF),
    "header_string": (lambda k, n: _jws(k, b'"x"', _claims(n)), BAD_PROOF),
    "header_number": (lambda k, n: _jws(k, b"1e999", _claims(n)), BAD_PROOF),
    "header_null": (lambda k, n: _jws(k, b"null", _claims(n)), BAD_PROOF),
    "header_not_json": (lambda k, n: _jws(k, b"{alg}", _claims(n)), BAD_PROOF),
    "header_invalid_utf8": (lambda k, n: _jws(k, b'{"alg": "\xff"}', _claims(n)), BAD_PROOF),
    "header_deep": (lambda k, n: _jws(k, _nested(100_000), _claims(n)), BAD_PROOF),
    "header_nan": (lambda k, n: _jws(k, b'{"alg": NaN, "typ": "' + TYP.encode() + b'"}', _claims(n)), BAD_PROOF),
    "header_surrogate_kid": (lambda k, n: _jws(k, b'{"alg": "ES256", "typ": "' + TYP.encode()
                                               + b'", "kid": "did:key:\\ud800"}', _claims(n)), BAD_PROOF),
    "payload_array": (lambda k, n: _jws(k, _header(k), b"[]"), BAD_PROOF),
    "payload_invalid_utf8": (lambda k, n: _jws(k, _header(k), b'{"nonce": "\xff"}'), BAD_PROOF),
    "alg_none": (lambda k, n: _unsigned({"alg": "none", "typ": TYP, "jwk": k.public_jwk}, _claims(n)), BAD_PROOF),
    "alg_hs256": (lambda k, n: _jws(k, _header(k, alg="HS256"), _claims(n)), BAD_PROOF),
    "alg_missing": (lambda k, n: _jws(k, {"typ": TYP, "jwk": k.public_jwk}, _claims(n)), BAD_PROOF),
    "alg_number": (lambda k, n: _jws(k, _header(k, alg=256), _claims(n)), BAD_PROOF),
    "alg_list": (lambda k, n: _jws(k, _header(k, alg=["ES256"]), _claims(n)), BAD_PROOF),
    "alg_mismatch_eddsa": (lambda k, n: _jws(k, _header(k, alg="EdDSA"), _claims(n)), BAD_PROOF),
    "alg_mismatch_es384": (lambda k, n: _jws(k, _header(k, alg="ES384"), _claims(n)), BAD_PROOF),
    "typ_missing": (lambda k, n: _jws(k, {"alg": k.alg, "jwk": k.public_jwk}, _claims(n)), BAD_PROOF),
    "typ_wrong": (lambda k, n: _jws(k, _header(k, typ="JWT"), _claims(n)), BAD_PROOF),
    "typ_list": (lambda k, n: _jws(k, _header(k, typ=[TYP]), _claims(n)), BAD_PROOF),
    "kid_and_jwk": (lambda k, n: _jws(k, _header(k, kid=_did_key_kid(k)), _claims(n)), BAD_PROOF),
    "x5c": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "x5c": ["AA"]}, _claims(n)), BAD_PROOF),
    "no_key": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP}, _claims(n)), BAD_PROOF),
    "kid_10kb": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:z" + "6" * 10_000}, _claims(n)),
                 BAD_PROOF),
    "kid_700kb": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:z" + "6" * 700_000}, _claims(n)),
                  BAD_PROOF),  # base58 decoding is quadratic: this cost a minute of CPU before it was capped
    "kid_number": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": 1}, _claims(n)), BAD_PROOF),
    "kid_list": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": ["x"]}, _claims(n)), BAD_PROOF),
    "kid_not_a_did": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "holder"}, _claims(n)), BAD_PROOF),
    "kid_did_web": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:web:evil.example#0"}, _claims(n)),
                    BAD_PROOF),
    "kid_did_key_empty": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:"}, _claims(n)),
                          BAD_PROOF),
    "kid_did_key_z": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:z"}, _claims(n)), BAD_PROOF),
    "kid_did_key_base58_garbage": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:z0OIl#x"},
                                                     _claims(n)), BAD_PROOF),
    "kid_did_key_unknown_codec": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:z1111111"},
                                                    _claims(n)), BAD_PROOF),
    "kid_did_key_short_p256": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:key:zDn"},
                                                 _claims(n)), BAD_PROOF),
    "kid_did_jwk_garbage": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:jwk:!!!#0"}, _claims(n)),
                            BAD_PROOF),
    "kid_did_jwk_array": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:jwk:W10#0"}, _claims(n)),
                          BAD_PROOF),
    "kid_did_jwk_empty_object": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:jwk:e30#0"},
                                                   _claims(n)), BAD_PROOF),
    "kid_did_jwk_private": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:jwk:" + b64url_encode(
        json.dumps(k.public_jwk | {"d": "AAAA"}).encode()) + "#0"}, _claims(n)), BAD_PROOF),
    "kid_did_jwk_numbers": (lambda k, n: _jws(k, {"alg": k.alg, "typ": TYP, "kid": "did:jwk:" + b64url_encode(
        b'{"kty":"EC","crv":"P-256","x":1,"y":2}') + "#0"}, _claims(n)), BAD_PROOF),
    "jwk_string": (lambda k, n: _jws(k, _header(k, jwk="x"), _claims(n)), BAD_PROOF),
    "jwk_list": (lambda k, n: _jws(k, _header(k, jwk=[k.public_jwk]), _claims(n)), BAD_PROOF),
    "jwk_empty": (lambda k, n: _jws(k, _header(k, jwk={}), _claims(n)), BAD_PROOF),
    "jwk_private": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"d": "AAAA"}), _claims(n)), BAD_PROOF),
    "jwk_oct": (lambda k, n: _jws(k, _header(k, jwk={"kty": "oct", "k": "AAAA"}), _claims(n)), BAD_PROOF),
    "jwk_kty_number": (lambda k, n: _jws(k, _header(k, jwk={"kty": 1}), _claims(n)), BAD_PROOF),
    "jwk_kty_list": (lambda k, n: _jws(k, _header(k, jwk={"kty": ["EC"]}), _claims(n)), BAD_PROOF),
    "jwk_coordinates_numbers": (lambda k, n: _jws(k, _header(k, jwk={"kty": "EC", "crv": "P-256", "x": 1, "y": 2}),
                                                  _claims(n)), BAD_PROOF),
    "jwk_coordinates_lists": (lambda k, n: _jws(k, _header(k, jwk={"kty": "EC", "crv": "P-256", "x": [], "y": {}}),
                                                _claims(n)), BAD_PROOF),
    "jwk_coordinates_bad_base64": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"x": "!!!"}), _claims(n)),
                                   BAD_PROOF),
    "jwk_coordinates_short": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"x": "AA", "y": "AA"}),
                                                _claims(n)), BAD_PROOF),
    "jwk_point_not_on_curve": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"y": k.public_jwk["x"]}),
                                                 _claims(n)), BAD_PROOF),
    "jwk_curve_unknown": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"crv": "P-999"}), _claims(n)),
                          BAD_PROOF),
    "jwk_curve_number": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"crv": 256}), _claims(n)), BAD_PROOF),
    "jwk_curve_p384_for_es256": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"crv": "P-384"}), _claims(n)),
                                 BAD_PROOF),
    "jwk_okp_for_es256": (lambda k, n: _jws(k, _header(k, jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA"}),
                                            _claims(n)), BAD_PROOF),
    "jwk_okp_bad_curve": (lambda k, n: _jws(k, _header(k, alg="EdDSA", jwk={"kty": "OKP", "crv": "X25519",
                                                                             "x": "A" * 43}), _claims(n)), BAD_PROOF),
    "jwk_rsa_tiny": (lambda k, n: _jws(k, _header(k, alg="RS256", jwk={"kty": "RSA", "n": "AQ", "e": "AQ"}),
                                       _claims(n)), BAD_PROOF),
    "jwk_10kb_member": (lambda k, n: _jws(k, _header(k, jwk=k.public_jwk | {"x": LONG}), _claims(n)), BAD_PROOF),
    "signature_empty": (lambda k, n: _jws(k, _header(k), _claims(n)).rsplit(".", 1)[0] + ".", BAD_PROOF),
    "signature_garbage": (lambda k, n: _jws(k, _header(k), _claims(n)).rsplit(".", 1)[0] + ".AAAA", BAD_PROOF),
    "signature_not_base64": (lambda k, n: _jws(k, _header(k), _claims(n)).rsplit(".", 1)[0] + ".!!", BAD_PROOF),
    "signature_10kb": (lambda k, n: _jws(k, _header(k), _claims(n)).rsplit(".", 1)[0] + "." + LONG, BAD_PROOF),
    "aud_missing": (lambda k, n: _jws(k, _header(k), {"iat": int(T0.timestamp()), "nonce": n}), BAD_PROOF),
    "aud_number": (lambda k, n: _jws(k, _header(k), _claims(n, aud=1)), BAD_PROOF),
    "aud_list": (lambda k, n: _jws(k, _header(k), _claims(n, aud=[PUBLIC_URL])), BAD_PROOF),
    "aud_wrong": (lambda k, n: _jws(k, _header(k), _claims(n, aud="https://evil.example")), BAD_PROOF),
    "iat_missing": (lambda k, n: _jws(k, _header(k), {"aud": PUBLIC_URL, "nonce": n}), BAD_PROOF),
    "iat_string": (lambda k, n: _jws(k, _header(k), _claims(n, iat=str(int(T0.timestamp())))), BAD_PROOF),
    "iat_bool": (lambda k, n: _jws(k, _header(k), _claims(n, iat=True)), BAD_PROOF),
    "iat_null": (lambda k, n: _jws(k, _header(k), _claims(n, iat=None)), BAD_PROOF),
    "iat_list": (lambda k, n: _jws(k, _header(k), _claims(n, iat=[1])), BAD_PROOF),
    "iat_huge_int": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"9" * 400)), BAD_PROOF),
    "iat_huge_negative_int": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"-" + b"9" * 400)), BAD_PROOF),
    "iat_5000_digits": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"9" * 5000)), BAD_PROOF),
    "iat_1e999": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"1e999")), BAD_PROOF),
    "iat_minus_1e999": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"-1e999")), BAD_PROOF),
    "iat_nan": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"NaN")), BAD_PROOF),
    "iat_infinity": (lambda k, n: _jws(k, _header(k), _raw_claims(n, b"Infinity")), BAD_PROOF),
    "iat_far_future": (lambda k, n: _jws(k, _header(k), _claims(n, iat=2**62)), BAD_PROOF),
    "iat_far_past": (lambda k, n: _jws(k, _header(k), _claims(n, iat=-(2**62))), BAD_PROOF),
    "nonce_missing": (lambda k, n: _jws(k, _header(k), {"aud": PUBLIC_URL, "iat": int(T0.timestamp())}), BAD_PROOF),
    "nonce_number": (lambda k, n: _jws(k, _header(k), _claims(n, nonce=1)), BAD_PROOF),
    "nonce_list": (lambda k, n: _jws(k, _header(k), _claims(n, nonce=[n])), BAD_PROOF),
    "nonce_empty": (lambda k, n: _jws(k, _header(k), _claims(n, nonce="")), BAD_PROOF),
    "nonce_unknown": (lambda k, n: _jws(k, _header(k), _claims(n, nonce="A" * 54)), Err(400, "invalid_nonce")),
    "nonce_10kb": (lambda k, n: _jws(k, _header(k), _claims(n, nonce=LONG)), Err(400, "invalid_nonce")),
    "nonce_surrogate": (lambda k, n: _jws(k, _header(k), b'{"aud": "' + PUBLIC_URL.encode()
                                          + b'", "iat": ' + str(int(T0.timestamp())).encode()
                                          + b', "nonce": "\\ud800"}'), Err(400, "invalid_nonce")),
    "nonce_nul": (lambda k, n: _jws(k, _header(k), _claims(n, nonce="\x00")), Err(400, "invalid_nonce")),
    "nonce_non_canonical": (lambda k, n: _jws(k, _header(k), _claims(n, nonce=n[:-1] + chr(ord(n[-1]) ^ 1))),
                            Err(400, "invalid_nonce")),
}


@pytest.mark.parametrize("case", _params(PROOF_CASES))
async def test_credential_proof(client: AppClient, case: tuple[ProofBuilder, Expect]) -> None:
    build, expected = case
    headers = await _bearer(client)
    proof = build(holder_key(), await nonce(client))
    body = json.dumps({"credential_configuration_id": JWT_VC, "proofs": {"jwt": [proof]}}).encode()
    check(await send(client, "POST", "/credential", body=body, content_type=JSON, headers=headers), expected)


async def test_two_proofs_with_one_key_are_invalid_proof(client: AppClient) -> None:
    headers = await _bearer(client)
    key = holder_key()
    proofs = [_jws(key, _header(key), _claims(await nonce(client))) for _ in range(2)]
    body = json.dumps({"credential_configuration_id": JWT_VC, "proofs": {"jwt": proofs}}).encode()
    check(await send(client, "POST", "/credential", body=body, content_type=JSON, headers=headers), BAD_PROOF)


# ==============================================================================================================
# Deferred Credential Endpoint (§9): invalid_credential_request for a malformed body, §9.3 invalid_transaction_id
# ==============================================================================================================

DEFERRED_CASES: dict[str, tuple[Body, Expect]] = _each(JSON_BATTERY, BAD_CREDENTIAL_REQUEST) | {
    "empty_object": (Body(b"{}"), BAD_CREDENTIAL_REQUEST),
    "transaction_id_number": (Body(b'{"transaction_id": 1}'), BAD_CREDENTIAL_REQUEST),
    "transaction_id_huge_int": (Body(b'{"transaction_id": ' + b"9" * 400 + b"}"), BAD_CREDENTIAL_REQUEST),
    "transaction_id_list": (Body(b'{"transaction_id": ["x"]}'), BAD_CREDENTIAL_REQUEST),
    "transaction_id_object": (Body(b'{"transaction_id": {}}'), BAD_CREDENTIAL_REQUEST),
    "transaction_id_null": (Body(b'{"transaction_id": null}'), BAD_CREDENTIAL_REQUEST),
    "transaction_id_empty": (Body(b'{"transaction_id": ""}'), BAD_CREDENTIAL_REQUEST),
    "transaction_id_unknown": (Body(b'{"transaction_id": "nope"}'), Err(400, "invalid_transaction_id")),
    "transaction_id_10kb": (Body(json.dumps({"transaction_id": LONG}).encode()), Err(400, "invalid_transaction_id")),
    "transaction_id_nul": (Body(b'{"transaction_id": "\\u0000"}'), Err(400, "invalid_transaction_id")),
    "transaction_id_surrogate": (Body(b'{"transaction_id": "\\ud800"}'), BAD_CREDENTIAL_REQUEST),
    "transaction_id_surrogate_pair_halves": (Body(b'{"transaction_id": "\\udc00\\ud800"}'),
                                             BAD_CREDENTIAL_REQUEST),
    "transaction_id_surrogate_bytes": (Body(b'{"transaction_id": "\xed\xb0\x80"}'), BAD_CREDENTIAL_REQUEST),
    "duplicate_keys": (Body(b'{"transaction_id": 1, "transaction_id": "nope"}'), Err(400, "invalid_transaction_id")),
    "encryption": (Body(b'{"transaction_id": "x", "credential_response_encryption": {}}'),
                   Err(400, "invalid_encryption_parameters")),
}


@pytest.mark.parametrize("case", _params(DEFERRED_CASES))
async def test_deferred_credential_request(client: AppClient, case: tuple[Body, Expect]) -> None:
    body, expected = case
    answer = await send(client, "POST", "/deferred_credential", body=body.data, content_type=body.content_type,
                        headers=await _bearer(client))
    check(answer, expected)


# ==============================================================================================================
# Notification Endpoint (§11): §11.3 invalid_notification_request / invalid_notification_id, 400
# ==============================================================================================================

BAD_NOTIFICATION = Err(400, "invalid_notification_request")


def _notification(**members: Any) -> Body:
    return Body(json.dumps({"notification_id": "nope", "event": "credential_accepted"} | members).encode())


NOTIFICATION_CASES: dict[str, tuple[Body, Expect]] = _each(JSON_BATTERY, BAD_NOTIFICATION) | {
    "empty_object": (Body(b"{}"), BAD_NOTIFICATION),
    "notification_id_number": (_notification(notification_id=1), BAD_NOTIFICATION),
    "notification_id_list": (_notification(notification_id=["x"]), BAD_NOTIFICATION),
    "notification_id_null": (_notification(notification_id=None), BAD_NOTIFICATION),
    "notification_id_empty": (_notification(notification_id=""), BAD_NOTIFICATION),
    "notification_id_unknown": (_notification(), Err(400, "invalid_notification_id")),
    "notification_id_10kb": (_notification(notification_id=LONG), Err(400, "invalid_notification_id")),
    "notification_id_nul": (_notification(notification_id="\x00"), Err(400, "invalid_notification_id")),
    "notification_id_surrogate": (Body(b'{"notification_id": "\\ud800", "event": "credential_accepted"}'),
                                  BAD_NOTIFICATION),
    "event_missing": (Body(b'{"notification_id": "x"}'), BAD_NOTIFICATION),
    "event_wrong_case": (_notification(event="CREDENTIAL_ACCEPTED"), BAD_NOTIFICATION),
    "event_number": (_notification(event=1), BAD_NOTIFICATION),
    "event_list": (_notification(event=["credential_accepted"]), BAD_NOTIFICATION),
    "event_surrogate": (Body(b'{"notification_id": "x", "event": "\\ud800"}'), BAD_NOTIFICATION),
    "description_non_ascii": (_notification(event_description="é"), BAD_NOTIFICATION),
    "description_quote": (_notification(event_description='"'), BAD_NOTIFICATION),
    "description_number": (_notification(event_description=1), BAD_NOTIFICATION),
    "description_surrogate": (Body(b'{"notification_id": "x", "event": "credential_accepted", '
                                   b'"event_description": "\\ud800"}'), BAD_NOTIFICATION),
    "description_10kb": (_notification(event_description=LONG), Err(400, "invalid_notification_id")),
}


@pytest.mark.parametrize("case", _params(NOTIFICATION_CASES))
async def test_notification_request(client: AppClient, case: tuple[Body, Expect]) -> None:
    body, expected = case
    answer = await send(client, "POST", "/notification", body=body.data, content_type=body.content_type,
                        headers=await _bearer(client))
    check(answer, expected)


# ==============================================================================================================
# Path parameters: offers by reference, QR codes, status lists, type metadata, pages, presentation endpoints
# ==============================================================================================================

PATH_VALUES: dict[str, str] = {
    "unknown": "nope",
    "percent_nul": "%00",
    "percent_invalid_utf8": "%FF%FE",
    "percent_surrogate": "%ED%A0%80",
    "percent_overlong": "%C0%AF",
    "percent_garbage": "%zz%",
    "percent_percent": "%25",
    "encoded_slash": "..%2F..%2Fetc%2Fpasswd",
    "non_ascii": "%C3%A9%E2%98%83",
    "space": "%20",
    "four_kb": "A" * 4000,
    "ten_kb": LONG,
}

PATH_ROUTES: dict[str, tuple[str, Expect]] = {
    "credential_offer": ("/credential-offer/{}", Err(404, "not_found")),
    "credential_offer_qr_png": ("/credential-offer/{}/qr.png", Err(404, "not_found")),
    "credential_offer_qr_svg": ("/credential-offer/{}/qr.svg", Err(404, "not_found")),
    "status_bitstring": ("/status/bitstring/{}", Err(404, "not_found")),
    "status_bitstring_jwt": ("/status/bitstring/{}/jwt", Err(404, "not_found")),
    "status_token": ("/status/token/{}", Err(404, "not_found")),
    "type_metadata": ("/vct/{}", Err(404, "not_found")),
    "request_uri_get": ("/presentations/{}/request", Err(404, "not_found")),
    "presentation_qr": ("/presentations/{}/qr.png", Err(404, "not_found")),
    "presentation_result": ("/presentations/{}/result?response_code=x", Err(404, "not_found")),
    "offer_page_state": ("/offers/{}/state", Err(404, "not_found")),
    "presentation_page_state": ("/presentations/{}/page/{}/state", Err(404, "not_found")),
    "offer_page": ("/offers/{}", Ok(404)),  # an HTML page for people
    "presentation_page": ("/presentations/{}/page/{}", Ok(404)),
    "static_file": ("/pages/static/{}", Ok(404)),
}


@pytest.mark.parametrize("value", _params(PATH_VALUES))
@pytest.mark.parametrize("route", _params(PATH_ROUTES))
async def test_path_parameters(client: AppClient, route: tuple[str, Expect], value: str) -> None:
    template, expected = route
    target = template.replace("{}", value)
    answer = await send(client, "GET", target)
    if len(target) > 8190:
        check(answer, Refused())  # over aiohttp's request-line limit
    elif isinstance(expected, Ok):
        assert answer.status == expected.status, answer.body[:200]
    else:
        check(answer, expected)


QUERY_VALUES: dict[str, str] = {
    "nul": "%00",
    "invalid_utf8": "%FF%FE",
    "surrogate": "%ED%A0%80",
    "garbage": "%zz%",
    "repeated": "a&response_code=b",
    "four_kb": "A" * 4000,
}


@pytest.mark.parametrize("value", _params(QUERY_VALUES))
async def test_query_parameters(client: AppClient, value: str) -> None:
    check(await send(client, "GET", f"/presentations/nope/result?response_code={value}"), Err(404, "not_found"))
    check(await send(client, "GET", f"/.well-known/openid-credential-issuer?x={value}"), Ok())
    check(await send(client, "GET", f"/credential-offer/nope?x={value}"), Err(404, "not_found"))


# ==============================================================================================================
# Discovery and public documents: metadata, DID document, type metadata, status lists, console
# ==============================================================================================================

PUBLIC_GETS: dict[str, tuple[str, Expect]] = {
    "issuer_metadata": ("/.well-known/openid-credential-issuer", Ok()),
    "as_metadata": ("/.well-known/oauth-authorization-server", Ok()),
    "did_document_without_did_web": ("/.well-known/did.json", Err(404, "not_found")),
    "type_metadata": ("/vct/OpenBadgeCredential", Ok()),
    "console": ("/console", Ok()),
    "healthz": ("/healthz", Ok()),
    "unknown_route": ("/nope", Err(404, "not_found")),
}
ODD_HEADERS: dict[str, tuple[tuple[str, bytes], ...]] = {
    "plain": (),
    "accept_garbage": (("Accept", b"\xff/\xfe;q=nope"),),
    "accept_charset": (("Accept-Charset", b"utf-16;q=1, nope"),),
    "if_none_match_garbage": (("If-None-Match", b'"\xff", *, W/'),),
    "content_type_on_get": (("Content-Type", b"application/json; charset=utf-16"),),
    "authorization_garbage": (("Authorization", b"Bearer \xff\xfe"),),
}


@pytest.mark.parametrize("headers", _params(ODD_HEADERS))
@pytest.mark.parametrize("case", _params(PUBLIC_GETS))
async def test_public_documents(
    client: AppClient, case: tuple[str, Expect], headers: tuple[tuple[str, bytes], ...]
) -> None:
    path, expected = case
    check(await send(client, "GET", path, headers=headers), expected)


@pytest.mark.parametrize("path", ["/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server",
                                  "/credential-offer/nope", "/status/token/nope", "/presentations/x/response"])
async def test_wrong_methods(client: AppClient, path: str) -> None:
    method = "GET" if path.endswith("/response") else "POST"
    check(await send(client, method, path, body=b"[", content_type=JSON), Err(405, "method_not_allowed"))


async def test_status_lists_with_odd_headers(client: AppClient) -> None:
    credential, _ = await issue(client, SD_JWT)
    path = urlsplit(claims_of(credential)["status"]["status_list"]["uri"]).path
    for name, value in ODD_HEADERS.items():
        answer = await send(client, "GET", path + "?%FF=%00", headers=value)
        assert answer.status == 200, name
    check(await send(client, "GET", path.replace("/token/", "/bitstring/")), Err(404, "not_found"))


async def test_offer_by_reference_with_odd_headers(client: AppClient) -> None:
    created = await create_offer(client, by_reference=True)
    from urllib.parse import parse_qs

    uri = parse_qs(urlsplit(created["offer_uri"]).query)["credential_offer_uri"][0]
    path = urlsplit(uri).path
    for name, value in ODD_HEADERS.items():
        for suffix, status in (("", 200), ("/qr.png", 200), ("/qr.svg", 200), ("/qr.gif", 404)):
            answer = await send(client, "GET", path + suffix + "?%FF=%00", headers=value)
            assert answer.status == status, (name, suffix, answer.body[:200])
            if status == 200 and not suffix:
                assert answer.headers["cache-control"] == "no-store"


# ==============================================================================================================
# Verifier: Request URI (GET, POST with wallet_nonce; OpenID4VP 1.0 §5.10) and Response URI (§8.2)
# ==============================================================================================================


def _dcql(fmt: str) -> dict[str, Any]:
    meta = {"vct_values": [f"{PUBLIC_URL}/vct/OpenBadgeCredential"]} if fmt == "dc+sd-jwt" else {
        "type_values": [[VC, OB]]}
    return {"credentials": [{"id": "badge", "format": fmt, "meta": meta,
                             "claims": [{"path": ["credentialSubject", "achievement", "name"]}]}]}


@dataclass(frozen=True, slots=True)
class Pending:
    path: str  # of the presentation request: /presentations/{pid}
    request: dict[str, Any]  # the Authorization Request parameters


async def _pending(client: AppClient, fmt: str = "dc+sd-jwt", mode: str = "direct_post") -> Pending:
    resp = await client.post("/admin/presentations", json={"dcql_query": _dcql(fmt), "response_mode": mode},
                             headers=ADMIN)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    request = await fetch_request(client, created["request_uri"])
    return Pending(urlsplit(request["response_uri"]).path.removesuffix("/response"), request)


async def _still_pending(client: AppClient, pending: Pending) -> str:
    pid = pending.path.rsplit("/", 1)[-1]
    return str((await (await client.get(f"/admin/presentations/{pid}", headers=ADMIN)).json())["status"])


REQUEST_URI_POST_CASES: dict[str, tuple[Body, Expect]] = _each(FORM_BATTERY, Err(400, "invalid_request")) | {
    "empty": (Body(b"", FORM), Ok()),
    "wallet_nonce_empty": (Body(b"wallet_nonce=", FORM), Err(400, "invalid_request")),
    "wallet_nonce_10kb": (Body(b"wallet_nonce=" + LONG.encode(), FORM), Err(400, "invalid_request")),
    "wallet_nonce_nul": (Body(b"wallet_nonce=%00", FORM), Ok()),
    "wallet_nonce_repeated": (Body(b"wallet_nonce=a&wallet_nonce=b", FORM), Ok()),
    "wallet_metadata_not_json": (Body(b"wallet_metadata=%7B", FORM), Err(400, "invalid_request")),
    "wallet_metadata_array": (Body(b"wallet_metadata=%5B%5D", FORM), Err(400, "invalid_request")),
    "wallet_metadata_deep": (Body(b"wallet_metadata=" + b"%5B" * 50_000, FORM), Err(400, "invalid_request")),
    "wallet_metadata_nan": (Body(b"wallet_metadata=NaN", FORM), Err(400, "invalid_request")),
    "wallet_metadata_digits": (Body(b"wallet_metadata=" + b"9" * 5000, FORM), Err(400, "invalid_request")),
    "wallet_metadata_surrogate": (Body(b"wallet_metadata=" + quote('{"\\ud800": 1}').encode(), FORM), Ok()),
    "wallet_metadata_object_garbage": (Body(b"wallet_metadata=" + quote(json.dumps(
        {"vp_formats_supported": 1, "jwks": "x", "authorization_encryption_alg_values_supported": [1e300]})).encode(),
        FORM), Ok()),
}


@pytest.mark.parametrize("case", _params(REQUEST_URI_POST_CASES))
async def test_request_uri_post(client: AppClient, case: tuple[Body, Expect]) -> None:
    body, expected = case
    pending = await _pending(client)
    answer = await send(client, "POST", pending.path + "/request", body=body.data, content_type=body.content_type)
    if isinstance(expected, Ok):
        assert answer.status == 200, answer.body[:300]
        assert answer.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    else:
        check(answer, expected)


async def test_request_uri_of_an_answered_request_is_404(client: AppClient) -> None:
    pending = await _pending(client)
    body = _form(error="access_denied", state=pending.request["state"])
    check(await send(client, "POST", pending.path + "/response", body=body, content_type=FORM), Ok())
    check(await send(client, "GET", pending.path + "/request"), Err(404, "not_found"))
    check(await send(client, "POST", pending.path + "/request", body=b"", content_type=FORM), Err(404, "not_found"))


BAD_RESPONSE = Err(400, "invalid_request")  # OpenID4VP 1.0 §8.2 (and specs.md §2.8): refused at once, 4xx


def _vp(value: Any, state: str = "{state}") -> bytes:
    return b"vp_token=" + quote(json.dumps(value)).encode() + b"&state=" + state.encode()


# Response bodies (direct_post): "{state}" is replaced by the request's state.
RESPONSE_CASES: dict[str, tuple[str, Body, Expect]] = {
    name: ("dc+sd-jwt", body, BAD_RESPONSE) for name, body in FORM_BATTERY.items()
} | {
    "empty": ("dc+sd-jwt", Body(b"", FORM), BAD_RESPONSE),
    "state_only": ("dc+sd-jwt", Body(b"state={state}", FORM), BAD_RESPONSE),
    "vp_token_not_json": ("dc+sd-jwt", Body(b"vp_token=%7B&state={state}", FORM), BAD_RESPONSE),
    "vp_token_empty": ("dc+sd-jwt", Body(b"vp_token=&state={state}", FORM), BAD_RESPONSE),
    "vp_token_null": ("dc+sd-jwt", Body(_vp(None), FORM), BAD_RESPONSE),
    "vp_token_number": ("dc+sd-jwt", Body(b"vp_token=1e999&state={state}", FORM), BAD_RESPONSE),
    "vp_token_digits": ("dc+sd-jwt", Body(b"vp_token=" + b"9" * 5000 + b"&state={state}", FORM), BAD_RESPONSE),
    "vp_token_nan": ("dc+sd-jwt", Body(b"vp_token=NaN&state={state}", FORM), BAD_RESPONSE),
    "vp_token_string": ("dc+sd-jwt", Body(_vp("x"), FORM), BAD_RESPONSE),
    "vp_token_array": ("dc+sd-jwt", Body(_vp(["x"]), FORM), BAD_RESPONSE),
    "vp_token_empty_object": ("dc+sd-jwt", Body(_vp({}), FORM), BAD_RESPONSE),
    "vp_token_deep": ("dc+sd-jwt", Body(b"vp_token=" + b"%5B" * 50_000 + b"&state={state}", FORM), BAD_RESPONSE),
    "vp_token_deep_in_object": ("dc+sd-jwt", Body(b"vp_token=%7B%22badge%22%3A" + b"%5B" * 50_000
                                                  + b"&state={state}", FORM), BAD_RESPONSE),
    "vp_token_duplicate_keys": ("dc+sd-jwt", Body(b"vp_token=" + quote('{"badge": ["x"], "badge": 1}').encode()
                                                  + b"&state={state}", FORM), BAD_RESPONSE),
    "vp_token_unknown_query": ("dc+sd-jwt", Body(_vp({"other": ["x"]}), FORM), BAD_RESPONSE),
    "vp_token_surrogate_key": ("dc+sd-jwt", Body(b"vp_token=" + quote('{"\\ud800": ["x"]}').encode()
                                                 + b"&state={state}", FORM), BAD_RESPONSE),
    "presentations_string": ("dc+sd-jwt", Body(_vp({"badge": "x"}), FORM), BAD_RESPONSE),
    "presentations_empty": ("dc+sd-jwt", Body(_vp({"badge": []}), FORM), BAD_RESPONSE),
    "presentations_number": ("dc+sd-jwt", Body(_vp({"badge": [1]}), FORM), BAD_RESPONSE),
    "presentations_null": ("dc+sd-jwt", Body(_vp({"badge": [None]}), FORM), BAD_RESPONSE),
    "presentations_empty_string": ("dc+sd-jwt", Body(_vp({"badge": [""]}), FORM), BAD_RESPONSE),
    "presentations_two": ("dc+sd-jwt", Body(_vp({"badge": ["a~", "b~"]}), FORM), BAD_RESPONSE),
    "sd_jwt_garbage": ("dc+sd-jwt", Body(_vp({"badge": ["x"]}), FORM), BAD_RESPONSE),
    "sd_jwt_tilde": ("dc+sd-jwt", Body(_vp({"badge": ["~"]}), FORM), BAD_RESPONSE),
    "sd_jwt_tildes": ("dc+sd-jwt", Body(_vp({"badge": ["~~~~"]}), FORM), BAD_RESPONSE),
    "sd_jwt_garbage_segments": ("dc+sd-jwt", Body(_vp({"badge": ["a.b.c~d~e.f.g"]}), FORM), BAD_RESPONSE),
    "sd_jwt_header_array": ("dc+sd-jwt", Body(_vp({"badge": ["W10.e30.AA~"]}), FORM), BAD_RESPONSE),
    "sd_jwt_alg_none": ("dc+sd-jwt", Body(_vp({"badge": [_unsigned({"alg": "none"}, {"iss": "x"}) + "~"]}), FORM),
                        BAD_RESPONSE),
    "sd_jwt_object": ("dc+sd-jwt", Body(_vp({"badge": [{"a": 1}]}), FORM), BAD_RESPONSE),
    "sd_jwt_10kb": ("dc+sd-jwt", Body(_vp({"badge": [LONG + "~"]}), FORM), BAD_RESPONSE),
    "sd_jwt_surrogate": ("dc+sd-jwt", Body(b"vp_token=" + quote('{"badge": ["\\ud800~"]}').encode()
                                           + b"&state={state}", FORM), BAD_RESPONSE),
    "sd_jwt_disclosure_garbage": ("dc+sd-jwt", Body(_vp({"badge": [_unsigned(
        {"alg": "ES256", "typ": "dc+sd-jwt", "kid": "did:key:z"}, {"iss": "did:key:z", "_sd_alg": "sha-256"})
        + "!!~W10~WyJhIl0~" + b64url_encode(b'["s", "n", ' + b"[" * 10_000 + b"]") + "~"]}), FORM), BAD_RESPONSE),
    "sd_jwt_issuer_kid_garbage": ("dc+sd-jwt", Body(_vp({"badge": [_unsigned(
        {"alg": "ES256", "typ": "dc+sd-jwt", "kid": ["x"]}, {"iss": 1, "vct": [], "cnf": "x", "_sd": 1}) + "~"]}),
        FORM), BAD_RESPONSE),
    "jwt_vp_garbage": ("jwt_vc_json", Body(_vp({"badge": ["x"]}), FORM), BAD_RESPONSE),
    "jwt_vp_object": ("jwt_vc_json", Body(_vp({"badge": [{}]}), FORM), BAD_RESPONSE),
    "jwt_vp_alg_none": ("jwt_vc_json", Body(_vp({"badge": [_unsigned({"alg": "none", "kid": "did:key:z#z"},
                                                                      {"vp": {}})]}), FORM), BAD_RESPONSE),
    "jwt_vp_kid_garbage": ("jwt_vc_json", Body(_vp({"badge": [_unsigned({"alg": "ES256", "kid": 1},
                                                                        {"vp": 1, "iss": []})]}), FORM),
                           BAD_RESPONSE),
    "jwt_vp_vp_garbage": ("jwt_vc_json", Body(_vp({"badge": [_unsigned(
        {"alg": "ES256", "kid": "did:jwk:e30#0"},
        {"iss": "did:jwk:e30", "vp": {"verifiableCredential": [1, {}, "x.y.z", None]}, "nonce": 1, "aud": []})]}),
        FORM), BAD_RESPONSE),
    "ldp_vp_string": ("ldp_vc", Body(_vp({"badge": ["x"]}), FORM), BAD_RESPONSE),
    "ldp_vp_empty_object": ("ldp_vc", Body(_vp({"badge": [{}]}), FORM), BAD_RESPONSE),
    "ldp_vp_context_number": ("ldp_vc", Body(_vp({"badge": [{"@context": 5, "proof": {}}]}), FORM), BAD_RESPONSE),
    "ldp_vp_context_remote": ("ldp_vc", Body(_vp({"badge": [{"@context": ["https://evil.example/ctx"],
                                                             "proof": {"type": "DataIntegrityProof"}}]}), FORM),
                              BAD_RESPONSE),
    "ldp_vp_proof_garbage": ("ldp_vc", Body(_vp({"badge": [{
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
        "verifiableCredential": [{}], "proof": {"type": 1, "cryptosuite": [], "verificationMethod": {},
                                                "proofValue": "z!!", "challenge": 1, "domain": []}}]}), FORM),
        BAD_RESPONSE),
    "ldp_vp_proof_list": ("ldp_vc", Body(_vp({"badge": [{
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
        "verifiableCredential": "x", "proof": [1, "x", None]}]}), FORM), BAD_RESPONSE),
    "ldp_vp_deep": ("ldp_vc", Body(b"vp_token=" + quote('{"badge": [{"a": ' + "[" * 900 + "]" * 900 + "}]}").encode()
                                   + b"&state={state}", FORM), BAD_RESPONSE),
    "state_missing": ("dc+sd-jwt", Body(b"vp_token=" + quote(json.dumps({"badge": ["x~"]})).encode(), FORM),
                      BAD_RESPONSE),
    "state_wrong": ("dc+sd-jwt", Body(_vp({"badge": ["x~"]}, state="nope"), FORM), BAD_RESPONSE),
    "state_10kb": ("dc+sd-jwt", Body(_vp({"badge": ["x~"]}, state=LONG), FORM), BAD_RESPONSE),
    "error_with_state": ("dc+sd-jwt", Body(b"error=access_denied&state={state}", FORM), Ok()),
    "error_unknown_code": ("dc+sd-jwt", Body(b"error=made_up&error_description=%00&state={state}", FORM), Ok()),
    "error_non_ascii": ("dc+sd-jwt", Body(b"error=%C3%A9&state={state}", FORM), BAD_RESPONSE),
    "error_empty": ("dc+sd-jwt", Body(b"error=&state={state}", FORM), BAD_RESPONSE),
    "error_10kb": ("dc+sd-jwt", Body(b"error=" + LONG.encode() + b"&state={state}", FORM), BAD_RESPONSE),
    "error_and_vp_token": ("dc+sd-jwt", Body(_vp({"badge": ["x~"]}) + b"&error=access_denied", FORM), BAD_RESPONSE),
    "response_in_direct_post": ("dc+sd-jwt", Body(b"response=a.b.c.d.e&state={state}", FORM), BAD_RESPONSE),
}


@pytest.mark.parametrize("case", _params(RESPONSE_CASES))
async def test_direct_post_response(client: AppClient, case: tuple[str, Body, Expect]) -> None:
    fmt, body, expected = case
    pending = await _pending(client, fmt)
    data = body.data.replace(b"{state}", quote(pending.request["state"]).encode())
    answer = await send(client, "POST", pending.path + "/response", body=data, content_type=body.content_type)
    check(answer, expected)
    if isinstance(expected, Err) and body.content_type == FORM:  # a refusal answers the request for good
        assert await _still_pending(client, pending) in ("pending", "rejected")


# Presentations signed by a key the wallet holds (a self-issued did:key credential passes the signature check and is
# refused later, on trust or validity): numbers where dates go that no datetime or float can hold, or that compare
# false with everything. Each builder gets the holder key and the request and returns the vp_token presentation.
RAW = "@@raw@@"


def _raw_json(value: Any, raw: bytes) -> bytes:
    """JSON of ``value`` with the string ``RAW`` replaced by raw JSON text (``1e999``, ``NaN``, 400 digits)."""
    return json.dumps(value).encode().replace(json.dumps(RAW).encode(), raw)


def _did(key: SigningKey) -> str:
    return _did_key_kid(key).split("#")[0]


def _vc_jwt(key: SigningKey, raw: bytes, **claims: Any) -> str:
    did = _did(key)
    vc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "OpenBadgeCredential"],
          "issuer": did, "credentialSubject": {"id": did}}
    payload = {"iss": did, "sub": did, "iat": int(T0.timestamp()), "vc": vc} | claims
    return _jws(key, {"alg": key.alg, "typ": "JWT", "kid": _did_key_kid(key)}, _raw_json(payload, raw))


def _vp_jwt(key: SigningKey, request: dict[str, Any], credential: str, raw: bytes = b"0", **claims: Any) -> str:
    did = _did(key)
    payload = {"iss": did, "aud": request["client_id"], "nonce": request["nonce"], "iat": int(T0.timestamp()),
               "vp": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                      "holder": did, "verifiableCredential": [credential]}} | claims
    return _jws(key, {"alg": key.alg, "typ": "JWT", "kid": _did_key_kid(key)}, _raw_json(payload, raw))


def _sd_jwt(key: SigningKey, request: dict[str, Any], raw: bytes, *, kb: dict[str, Any] | None = None,
            **claims: Any) -> str:
    did = _did(key)
    payload = {"iss": did, "vct": f"{PUBLIC_URL}/vct/OpenBadgeCredential", "iat": int(T0.timestamp()),
               "cnf": {"jwk": key.public_jwk}, "_sd_alg": "sha-256"} | claims
    issued = _jws(key, {"alg": key.alg, "typ": "dc+sd-jwt", "kid": _did_key_kid(key)}, _raw_json(payload, raw)) + "~"
    kb_claims = {"iat": int(T0.timestamp()), "nonce": request["nonce"], "aud": request["client_id"],
                 "sd_hash": sd_digest(issued)} | (kb or {})
    return issued + _jws(key, {"alg": key.alg, "typ": "kb+jwt"}, _raw_json(kb_claims, raw))


PresentationBuilder = Callable[[SigningKey, dict[str, Any]], Any]
NUMBERS = {"digits_400": b"9" * 400, "minus_digits_400": b"-" + b"9" * 400, "exp_1e999": b"1e999",
           "nan": b"NaN", "minus_infinity": b"-Infinity", "int64_max": b"9223372036854775807"}

def _date_cases(name: str, raw: bytes) -> dict[str, tuple[str, PresentationBuilder]]:
    """``raw`` as each date claim of a VC-JWT, a VP-JWT, an SD-JWT and its KB-JWT."""
    def vc(**claims: Any) -> PresentationBuilder:
        return lambda k, r: _vp_jwt(k, r, _vc_jwt(k, raw, **claims))

    def vp(**claims: Any) -> PresentationBuilder:
        return lambda k, r: _vp_jwt(k, r, _vc_jwt(k, b"0"), raw, **claims)

    def sd(**claims: Any) -> PresentationBuilder:
        return lambda k, r: _sd_jwt(k, r, raw, **claims)

    return {
        f"vc_jwt_nbf_{name}": ("jwt_vc_json", vc(nbf=RAW)),
        f"vc_jwt_exp_{name}": ("jwt_vc_json", vc(exp=RAW)),
        f"vc_jwt_iat_{name}": ("jwt_vc_json", vc(iat=RAW)),
        f"vp_jwt_iat_{name}": ("jwt_vc_json", vp(iat=RAW)),
        f"vp_jwt_exp_{name}": ("jwt_vc_json", vp(exp=RAW)),
        f"vp_jwt_nbf_{name}": ("jwt_vc_json", vp(nbf=RAW)),
        f"sd_jwt_exp_{name}": ("dc+sd-jwt", sd(exp=RAW)),
        f"sd_jwt_nbf_{name}": ("dc+sd-jwt", sd(nbf=RAW)),
        f"sd_jwt_iat_{name}": ("dc+sd-jwt", sd(iat=RAW)),
        f"kb_jwt_iat_{name}": ("dc+sd-jwt", sd(kb={"iat": RAW})),
    }


CRAFTED_PRESENTATIONS: dict[str, tuple[str, PresentationBuilder]] = {
    case: value for name, raw in NUMBERS.items() for case, value in _date_cases(name, raw).items()
}
CRAFTED_PRESENTATIONS |= {
    "vc_jwt_dates_garbage": ("jwt_vc_json", lambda k, r: _vp_jwt(k, r, _vc_jwt(k, b"0", vc={
        "@context": 1, "type": 2, "issuer": {"id": []}, "validFrom": "x", "validUntil": 1e300,
        "credentialSubject": "x"}))),
    "vc_jwt_valid_until_number": ("jwt_vc_json", lambda k, r: _vp_jwt(k, r, _vc_jwt(k, b"0", vc={
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": _did(k),
        "validFrom": 10**30, "validUntil": -(10**30), "credentialSubject": {"id": _did(k)}}))),
    "vp_jwt_credentials_garbage": ("jwt_vc_json", lambda k, r: _jws(k, {"alg": k.alg, "kid": _did_key_kid(k)}, {
        "iss": _did(k), "aud": r["client_id"], "nonce": r["nonce"], "iat": int(T0.timestamp()),
        "vp": {"type": "VerifiablePresentation", "verifiableCredential": [1, None, {}, "a.b.c", ["x"]]}})),
    "vp_jwt_vp_not_object": ("jwt_vc_json", lambda k, r: _jws(k, {"alg": k.alg, "kid": _did_key_kid(k)}, {
        "iss": _did(k), "aud": r["client_id"], "nonce": r["nonce"], "iat": int(T0.timestamp()), "vp": [1]})),
    "sd_jwt_cnf_garbage": ("dc+sd-jwt", lambda k, r: _sd_jwt(k, r, b"0", cnf={"jwk": {"kty": "EC", "x": 1}})),
    "sd_jwt_sd_alg_unknown": ("dc+sd-jwt", lambda k, r: _sd_jwt(k, r, b"0", _sd_alg="md5")),
    "sd_jwt_sd_garbage": ("dc+sd-jwt", lambda k, r: _sd_jwt(k, r, b"0", _sd=[1, None, "x"], status="x")),
    "sd_jwt_status_garbage": ("dc+sd-jwt", lambda k, r: _sd_jwt(k, r, b"0", status={
        "status_list": {"idx": 10**30, "uri": "https://issuer.example/status/token/nope"}})),
    "sd_jwt_status_negative": ("dc+sd-jwt", lambda k, r: _sd_jwt(k, r, b"0", status={
        "status_list": {"idx": -1, "uri": 1}})),
    "vc_jwt_status_garbage": ("jwt_vc_json", lambda k, r: _vp_jwt(k, r, _vc_jwt(k, b"0", vc={
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": _did(k),
        "credentialSubject": {"id": _did(k)}, "credentialStatus": {
            "type": "BitstringStatusListEntry", "statusListIndex": "99999999999999999999999",
            "statusListCredential": "https://issuer.example/status/bitstring/nope", "statusPurpose": 1}}))),
}


@pytest.mark.parametrize("case", _params(CRAFTED_PRESENTATIONS))
async def test_crafted_presentation(client: AppClient, case: tuple[str, PresentationBuilder]) -> None:
    fmt, build = case
    pending = await _pending(client, fmt)
    presentation = build(holder_key(), pending.request)
    body = _vp({"badge": [presentation]}, state=quote(pending.request["state"]))
    check(await send(client, "POST", pending.path + "/response", body=body, content_type=FORM), BAD_RESPONSE)


# direct_post.jwt (§8.3): each builder gets the request and returns the form body.
ResponseBuilder = Callable[[dict[str, Any]], bytes]


def _jwe(request: dict[str, Any], payload: Any, **header: Any) -> bytes:
    jwk = request["client_metadata"]["jwks"]["keys"][0] | header
    return b"response=" + encrypt_for_test(cast(Any, payload), jwk).encode()


def _forged_header(header: bytes) -> ResponseBuilder:
    return lambda r: b"response=" + (b64url_encode(header) + ".AA.AA.AA.AA").encode()


JWT_RESPONSE_CASES: dict[str, tuple[ResponseBuilder, Expect]] = {
    "empty_response": (lambda r: b"response=", BAD_RESPONSE),
    "response_garbage": (lambda r: b"response=x", BAD_RESPONSE),
    "response_five_dots": (lambda r: b"response=....", BAD_RESPONSE),
    "response_garbage_segments": (lambda r: b"response=a.b.c.d.e", BAD_RESPONSE),
    "response_10kb": (lambda r: b"response=" + (LONG + "....").encode(), BAD_RESPONSE),
    "header_array": (_forged_header(b"[]"), BAD_RESPONSE),
    "header_not_json": (_forged_header(b"{"), BAD_RESPONSE),
    "header_deep": (_forged_header(_nested(100_000)), BAD_RESPONSE),
    "header_invalid_utf8": (_forged_header(b'{"alg": "\xff"}'), BAD_RESPONSE),
    "header_alg_none": (_forged_header(b'{"alg": "none", "enc": "A128GCM"}'), BAD_RESPONSE),
    "header_alg_number": (_forged_header(b'{"alg": 1, "enc": 2}'), BAD_RESPONSE),
    "header_epk_garbage": (_forged_header(b'{"alg": "ECDH-ES", "enc": "A128GCM", "epk": "x"}'), BAD_RESPONSE),
    "header_epk_numbers": (_forged_header(b'{"alg": "ECDH-ES", "enc": "A128GCM", "epk": {"kty": "EC", '
                                          b'"crv": "P-256", "x": 1, "y": 2}}'), BAD_RESPONSE),
    "header_epk_off_curve": (_forged_header(b'{"alg": "ECDH-ES", "enc": "A128GCM", "epk": {"kty": "EC", '
                                            b'"crv": "P-256", "x": "AA", "y": "AA"}}'), BAD_RESPONSE),
    "header_zip": (_forged_header(b'{"alg": "ECDH-ES", "enc": "A128GCM", "zip": "DEF"}'), BAD_RESPONSE),
    "header_crit": (_forged_header(b'{"alg": "ECDH-ES", "enc": "A128GCM", "crit": [1]}'), BAD_RESPONSE),
    "header_kid_list": (_forged_header(b'{"alg": "ECDH-ES", "enc": "A128GCM", "kid": []}'), BAD_RESPONSE),
    "other_key": (lambda r: b"response=" + encrypt_for_test({"state": r["state"]}, public_jwk(
        new_encryption_key())).encode(), BAD_RESPONSE),
    "enc_not_offered": (lambda r: b"response=" + encrypt_for_test({"state": r["state"]}, r["client_metadata"][
        "jwks"]["keys"][0], enc="A256CBC-HS512").encode(), BAD_RESPONSE),
    "payload_array": (lambda r: _jwe(r, []), BAD_RESPONSE),
    "payload_string": (lambda r: _jwe(r, "x"), BAD_RESPONSE),
    "payload_empty": (lambda r: _jwe(r, {}), BAD_RESPONSE),
    "payload_vp_token_string": (lambda r: _jwe(r, {"vp_token": "x", "state": r["state"]}), BAD_RESPONSE),
    "payload_vp_token_json_string": (lambda r: _jwe(r, {"vp_token": '{"badge": ["x"]}', "state": r["state"]}),
                                     BAD_RESPONSE),
    "payload_vp_token_number": (lambda r: _jwe(r, {"vp_token": 1, "state": r["state"]}), BAD_RESPONSE),
    "payload_vp_token_list": (lambda r: _jwe(r, {"vp_token": [], "state": r["state"]}), BAD_RESPONSE),
    "payload_presentation_garbage": (lambda r: _jwe(r, {"vp_token": {"badge": ["x"]}, "state": r["state"]}),
                                     BAD_RESPONSE),
    "payload_state_number": (lambda r: _jwe(r, {"vp_token": {"badge": ["x"]}, "state": 1}), BAD_RESPONSE),
    "payload_state_list": (lambda r: _jwe(r, {"vp_token": {"badge": ["x"]}, "state": [r["state"]]}), BAD_RESPONSE),
    "payload_error_number": (lambda r: _jwe(r, {"error": 1, "state": r["state"]}), BAD_RESPONSE),
    "payload_error_description_object": (lambda r: _jwe(r, {"error": "access_denied", "error_description": {},
                                                             "state": r["state"]}), BAD_RESPONSE),
    "payload_error": (lambda r: _jwe(r, {"error": "access_denied", "state": r["state"]}), Ok()),
    "plaintext_vp_token": (lambda r: _vp({"badge": ["x"]}, state=r["state"]), BAD_RESPONSE),
    "plaintext_error": (lambda r: _form(error="wallet_unavailable", state=r["state"]), Ok()),
    "response_repeated": (lambda r: b"response=x&" + _jwe(r, {"error": "access_denied", "state": r["state"]}), Ok()),
}


@pytest.mark.parametrize("case", _params(JWT_RESPONSE_CASES))
async def test_direct_post_jwt_response(client: AppClient, case: tuple[ResponseBuilder, Expect]) -> None:
    build, expected = case
    pending = await _pending(client, "dc+sd-jwt", "direct_post.jwt")
    answer = await send(client, "POST", pending.path + "/response", body=build(pending.request), content_type=FORM)
    check(answer, expected)


async def test_response_to_an_unknown_or_answered_request(client: AppClient) -> None:
    check(await send(client, "POST", "/presentations/nope/response", body=b"vp_token=x", content_type=FORM),
          BAD_RESPONSE)
    pending = await _pending(client)
    state = quote(pending.request["state"]).encode()
    check(await send(client, "POST", pending.path + "/response", body=b"error=access_denied&state=" + state,
                     content_type=FORM), Ok())
    check(await send(client, "POST", pending.path + "/response", body=b"error=access_denied&state=" + state,
                     content_type=FORM), BAD_RESPONSE)


