"""The floor: the least server work a pre-authorized ``dc+sd-jwt`` issuance flow needs on oid4vc's stack.

Not product code and not imported by it: a measuring stick for ``scripts/bench-floor.sh``. It speaks the HTTP the
``oid4vc bench issuance`` wallets speak (admin offer creation, issuer and AS metadata, offer by reference, token,
nonce, credential) on the same stack as the server (aiohttp on uvloop, sqlite3 in WAL mode with synchronous=NORMAL,
``cryptography`` for ES256, orjson), and does the security work for real: the pre-authorized code hashed and
redeemed once inside a write transaction, an HMAC c_nonce recorded as used once, the key proof's ES256 signature
verified against its JWK, the credential (the same claims the server issues) signed, the issuance claimed once and
recorded with a status index taken 16 at a time.

What it leaves out is everything else a product does per request: input validation beyond the happy path, the Open
Badges data model, error rendering, request ids, metrics, events, logging, expiry purges, status list bookkeeping,
notification handling. So the server's CPU per flow minus this one's is what those cost.

Usage: python scripts/floor_server.py PORT SQLITE_FILE [--middlewares]
``--middlewares`` adds the server's own two (``oid4vc.web.metrics`` request metrics; ``oid4vc.web.middlewares``
request ids and error rendering), to price them alone.
"""

import base64
import hashlib
import hmac
import os
import sqlite3
import sys
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import orjson
import uvloop
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
KEY = ec.generate_private_key(ec.SECP256R1())
ISS = "did:key:zDnaeTcyj6kHvWnmwgeozi91YuDRfVvNZcLzHgaj5vfKnxaiz"
NKEY = os.urandom(32)
NOSTORE = {"Cache-Control": "no-store"}

db = sqlite3.connect(sys.argv[2], isolation_level=None, check_same_thread=False)
for p in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"):
    db.execute(p)
db.executescript("""
CREATE TABLE IF NOT EXISTS offers (id TEXT PRIMARY KEY, ref TEXT UNIQUE, code_hash TEXT UNIQUE, code TEXT,
  subject TEXT, config TEXT, state TEXT, expires_at REAL);
CREATE TABLE IF NOT EXISTS tokens (h TEXT PRIMARY KEY, offer_id TEXT, expires_at REAL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces (n TEXT PRIMARY KEY, expires_at REAL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (h TEXT, config TEXT, PRIMARY KEY (h, config)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS creds (id TEXT PRIMARY KEY, offer_id TEXT, credential TEXT, status_idx INTEGER);
CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER);
INSERT OR IGNORE INTO counter VALUES (1, 0);
""")
block: list[int] = []


def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def h(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def err(status: int, code: str) -> web.Response:
    return web.json_response({"error": code}, status=status, headers=NOSTORE)


async def meta(_: web.Request) -> web.Response:
    return web.json_response(
        {"credential_issuer": BASE, "credential_endpoint": BASE + "/credential", "nonce_endpoint": BASE + "/nonce"}
    )


async def asmeta(_: web.Request) -> web.Response:
    return web.json_response({"issuer": BASE, "token_endpoint": BASE + "/token"})


async def create(r: web.Request) -> web.Response:
    body = orjson.loads(await r.read())
    oid, ref, code = str(uuid.uuid4()), b64(os.urandom(16)), b64(os.urandom(32))
    db.execute(
        "INSERT INTO offers VALUES (?,?,?,?,?,?,?,?)",
        (
            oid,
            ref,
            h(code),
            code,
            orjson.dumps(body["credential_subject"]).decode(),
            body["credential_configuration_id"],
            "offered",
            time.time() + 3600,
        ),
    )
    return web.json_response(
        {"offer_uri": f"openid-credential-offer://?credential_offer_uri={BASE}/offers/{ref}"}, status=201
    )


async def offer(r: web.Request) -> web.Response:
    row = db.execute(
        "SELECT code, config, state, expires_at FROM offers WHERE ref = ?", (r.match_info["ref"],)
    ).fetchone()
    if row is None or row[2] != "offered" or row[3] < time.time():
        return err(404, "not_found")
    return web.json_response(
        {
            "credential_issuer": BASE,
            "credential_configuration_ids": [row[1]],
            "grants": {PRE: {"pre-authorized_code": row[0]}},
        },
        headers=NOSTORE,
    )


async def token(r: web.Request) -> web.Response:
    form = dict(parse_qsl((await r.read()).decode()))
    if form.get("grant_type") != PRE or "pre-authorized_code" not in form:
        return err(400, "invalid_request")
    ch = h(form["pre-authorized_code"])
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT id, state, expires_at FROM offers WHERE code_hash = ?", (ch,)).fetchone()
        if row is None or row[1] != "offered" or row[2] < time.time():
            db.execute("ROLLBACK")
            return err(400, "invalid_grant")
        tok = b64(os.urandom(32))
        db.execute("UPDATE offers SET state = 'redeemed', code = NULL WHERE id = ?", (row[0],))
        db.execute("INSERT INTO tokens VALUES (?,?,?)", (h(tok), row[0], time.time() + 300))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return web.json_response({"access_token": tok, "token_type": "Bearer", "expires_in": 300}, headers=NOSTORE)


async def nonce(_: web.Request) -> web.Response:
    raw = os.urandom(16) + int(time.time() + 300).to_bytes(8, "big")
    return web.json_response({"c_nonce": b64(raw + hmac.digest(NKEY, raw, "sha256")[:16])}, headers=NOSTORE)


def check_nonce(n: str) -> float | None:
    raw = unb64(n)
    if len(raw) != 40 or not hmac.compare_digest(hmac.digest(NKEY, raw[:24], "sha256")[:16], raw[24:]):
        return None
    exp = int.from_bytes(raw[16:24], "big")
    return exp if exp > time.time() else None


async def credential(r: web.Request) -> web.Response:
    auth = r.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return err(401, "invalid_token")
    row = db.execute(
        "SELECT t.offer_id, o.subject, o.config FROM tokens t JOIN offers o ON o.id = t.offer_id "
        "WHERE t.h = ? AND t.expires_at > ?",
        (h(auth[7:]), time.time()),
    ).fetchone()
    if row is None:
        return err(401, "invalid_token")
    body = orjson.loads(await r.read())
    if body.get("credential_configuration_id") != row[2]:
        return err(400, "invalid_credential_request")
    proof = body["proofs"]["jwt"][0]
    hb, pb, sb = proof.split(".")
    header, claims = orjson.loads(unb64(hb)), orjson.loads(unb64(pb))
    if header.get("alg") != "ES256" or header.get("typ") != "openid4vci-proof+jwt" or claims.get("aud") != BASE:
        return err(400, "invalid_proof")
    jwk = header["jwk"]
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + unb64(jwk["x"]) + unb64(jwk["y"]))
    sig = unb64(sb)
    try:
        pub.verify(
            encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
            f"{hb}.{pb}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        return err(400, "invalid_proof")
    if abs(claims["iat"] - time.time()) > 300:
        return err(400, "invalid_proof")
    exp = check_nonce(claims["nonce"])
    if exp is None or db.execute("INSERT OR IGNORE INTO nonces VALUES (?,?)", (claims["nonce"], exp)).rowcount != 1:
        return err(400, "invalid_nonce")
    if not block:
        n = db.execute("UPDATE counter SET n = n + 16 WHERE id = 1 RETURNING n").fetchone()[0]
        block.extend(range(n - 16, n))
    idx = block.pop(0)
    now = int(time.time())
    subject = orjson.loads(row[1])
    payload = {
        "iss": ISS,
        "iat": now,
        "vct": BASE + "/vct/OpenBadgeCredential",
        "jti": f"urn:uuid:{uuid.uuid4()}",
        "nbf": now,
        "issuer": {"id": ISS, "type": ["Profile"], "name": "oid4vc development issuer"},
        "name": subject["achievement"]["name"],
        "awardedDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"type": ["AchievementSubject"], **subject},
        "cnf": {"jwk": {k: jwk[k] for k in ("kty", "crv", "x", "y")}},
        "status": {"status_list": {"idx": idx, "uri": BASE + "/status/token/abc"}},
    }
    hdr = {"alg": "ES256", "kid": ISS + "#" + ISS[8:], "typ": "dc+sd-jwt"}
    si = b64(orjson.dumps(hdr)) + "." + b64(orjson.dumps(payload))
    r_, s_ = decode_dss_signature(KEY.sign(si.encode(), ec.ECDSA(hashes.SHA256())))
    sd = si + "." + b64(r_.to_bytes(32, "big") + s_.to_bytes(32, "big")) + "~"
    cid = str(uuid.uuid4())
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("INSERT OR IGNORE INTO claims VALUES (?,?)", (h(auth[7:]), row[2])).rowcount != 1:
            db.execute("ROLLBACK")
            return err(400, "invalid_credential_request")
        db.execute("INSERT INTO creds VALUES (?,?,?,?)", (cid, row[0], sd, idx))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return web.json_response({"credentials": [{"credential": sd}], "notification_id": cid}, headers=NOSTORE)


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


if "--middlewares" in sys.argv[3:]:
    from oid4vc.web.metrics import Metrics, metrics_middleware
    from oid4vc.web.middlewares import error_middleware

    app = web.Application(middlewares=[metrics_middleware(Metrics()), error_middleware])
else:
    app = web.Application()
app.router.add_get("/.well-known/openid-credential-issuer", meta)
app.router.add_get("/.well-known/oauth-authorization-server", asmeta)
app.router.add_post("/admin/offers", create)
app.router.add_get("/offers/{ref}", offer)
app.router.add_post("/token", token)
app.router.add_post("/nonce", nonce)
app.router.add_post("/credential", credential)
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=PORT, access_log=None, loop=uvloop.new_event_loop(), print=None)
