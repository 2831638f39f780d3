"""Data Integrity for ldp_vc: golden vectors (OB 3.0 / CLR 2.0 Implementation Guide, W3C vc-di-eddsa),
1EdTech validator examples, safe mode and the verification checks.

Vector files: tests/vectors/di (origins in SOURCES.md there)."""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from oid4vc.crypto.keys import CryptoJwsVerifier, SigningKey, generate_key
from oid4vc.dids.key import jwk_from_multikey
from oid4vc.dids.resolve import resolve_offline
from oid4vc.encoding import multibase_decode, varint_decode
from oid4vc.formats import ldp_vc
from oid4vc.formats.ldp_vc import DataIntegrityError, add_proof, canonicalize, hash_data, verify_proof
from oid4vc.jose import Jwk

DI = Path(__file__).parents[2] / "vectors" / "di"
ED25519_PRIV = 0x1300  # multicodec ed25519-priv
VERIFIER = CryptoJwsVerifier()


def load(path: str) -> Any:
    return json.loads((DI / path).read_text("utf-8"))


def text(path: str) -> str:
    return (DI / path).read_text("utf-8")


def impl_guide_key(name: str) -> SigningKey:
    seed = bytes.fromhex(load(f"{name}/keypair.json")["privateKeyHex_seed_plus_public"])[:32]
    return SigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(seed), kid="impl-guide")


def w3c_key() -> SigningKey:
    raw = multibase_decode(load("vc-di-eddsa/keyPair.json")["privateKeyMultibase"])
    codec, used = varint_decode(raw)
    assert codec == ED25519_PRIV
    return SigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(raw[used:]), kid="w3c")


async def resolve_key(verification_method: str) -> Jwk:
    """did:key offline; for https verification methods, a stand-in for fetching the controller document:
    every https example names its Multikey in the fragment (`https://issuer#z6Mk...`)."""
    if verification_method.startswith("did:"):
        return resolve_offline(verification_method)
    if verification_method.startswith("https://") and "#z" in verification_method:
        return jwk_from_multikey(verification_method.split("#", 1)[1])
    raise LookupError("unknown verification method")


async def verify(document: dict[str, Any], **kwargs: Any) -> ldp_vc.VerifiedDataIntegrity:
    return await verify_proof(document, resolve_key=resolve_key, verifier=VERIFIER, executor=None, **kwargs)


def unsigned(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


OB3 = "ob3-eddsa-rdfc-2022"
CLR2 = "clr2-eddsa-rdfc-2022"


# --- golden: 1EdTech Implementation Guide vectors -------------------------------------------------


@pytest.mark.parametrize("name", [OB3, CLR2])
def test_impl_guide_canonical_forms_and_hashes(name: str) -> None:
    document, options = load(f"{name}/unsigned.json"), load(f"{name}/proof-options.json")
    expected = load(f"{name}/expected.json")
    assert canonicalize(document) == text(f"{name}/document-canon.nq")
    assert canonicalize(options | {"@context": document["@context"]}) == text(f"{name}/proof-canon.nq")
    data = hash_data(document, options)
    assert data.hex() == expected["dataToSignHex(proofHash||documentHash)"]
    assert data[:32].hex() == expected["proofHashHex"]
    assert data[32:].hex() == expected["documentHashHex"]


@pytest.mark.parametrize(("name", "as_array"), [(OB3, False), (CLR2, True)])
async def test_impl_guide_signature_is_byte_for_byte(name: str, as_array: bool) -> None:
    options, expected = load(f"{name}/proof-options.json"), load(f"{name}/expected.json")
    signed = await add_proof(
        load(f"{name}/unsigned.json"),
        signer=impl_guide_key(name),
        verification_method=options["verificationMethod"],
        created=options["created"],
        executor=None,
        proof_as_array=as_array,
    )
    proof = signed["proof"][0] if as_array else signed["proof"]
    assert proof["proofValue"] == expected["proofValue"]
    assert multibase_decode(proof["proofValue"]).hex() == expected["signatureHex"]
    assert signed == load(f"{name}/signed.json")
    assert (await verify(signed)).cryptosuite == "eddsa-rdfc-2022"


# --- golden: W3C vc-di-eddsa vectors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("suite", "folder", "suffix"),
    [
        ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "DataInt"),
        ("Ed25519Signature2020", "Ed25519Signature2020", "EdSig"),
    ],
)
async def test_w3c_vectors_byte_for_byte(suite: str, folder: str, suffix: str) -> None:
    signed = load(f"vc-di-eddsa/{folder}/signed{suffix}.json")
    config = load(f"vc-di-eddsa/{folder}/proofConfig{suffix}.json")
    document = unsigned(signed)
    assert canonicalize(document) == text(f"vc-di-eddsa/{folder}/canonDoc{suffix}.txt")
    assert canonicalize(config) == text(f"vc-di-eddsa/{folder}/proofCanon{suffix}.txt")
    data = hash_data(document, config)
    assert data.hex() == text(f"vc-di-eddsa/{folder}/combinedHash{suffix}.txt").strip()
    assert data[:32].hex() == text(f"vc-di-eddsa/{folder}/proofHash{suffix}.txt").strip()
    assert data[32:].hex() == text(f"vc-di-eddsa/{folder}/docHash{suffix}.txt").strip()
    ours = await add_proof(
        document,
        signer=w3c_key(),
        verification_method=config["verificationMethod"],
        created=config["created"],
        cryptosuite=suite,
        executor=None,
    )
    assert ours["proof"]["proofValue"] == text(f"vc-di-eddsa/{folder}/sigBTC58{suffix}.txt").strip()
    signature = multibase_decode(ours["proof"]["proofValue"])
    assert signature.hex() == text(f"vc-di-eddsa/{folder}/sigHex{suffix}.txt").strip()
    assert ours == signed
    result = await verify(signed)
    assert (result.cryptosuite, result.legacy) == (suite, suite == "Ed25519Signature2020")


def test_w3c_unsigned_is_the_eddsa_rdfc_input() -> None:
    signed = load("vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json")
    assert unsigned(signed) == load("vc-di-eddsa/unsigned.json")


# --- 1EdTech validator examples -------------------------------------------------------------------

VALID = [
    ("ob3/simple.json", "eddsa-rdfc-2022", False),
    ("ob3/simple-did-key-method.json", "eddsa-rdfc-2022", False),
    ("ob3/simple-context-alias.json", "eddsa-rdfc-2022", False),
    ("ob3/complete.json", "eddsa-rdfc-2022", False),
    ("ob3/endorsement-valid.json", "eddsa-rdfc-2022", False),
    ("ob3/simple-eddsa-2022.json", "eddsa-2022", True),  # legacy name, VCDM 1.1: validator says WARNING
    ("ob3/simple_v1.json", "Ed25519Signature2020", True),  # VCDM 1.1: validator says WARNING
    ("clr2/simple.json", "eddsa-rdfc-2022", False),
    ("clr2/complex.json", "Ed25519Signature2020", True),  # did:key, VCDM 1.1
]


@pytest.mark.parametrize(("path", "suite", "legacy"), VALID)
async def test_validator_examples_verify(path: str, suite: str, legacy: bool) -> None:
    document = load(f"examples/{path}")
    result = await verify(document)
    assert (result.cryptosuite, result.legacy, result.proof_purpose) == (suite, legacy, "assertionMethod")
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    assert result.verification_method == proof["verificationMethod"]
    assert result.created == proof["created"]
    assert result.public_jwk["crv"] == "Ed25519"


@pytest.mark.parametrize("path", ["ob3/simple.json", "ob3/complete.json", "clr2/complex.json"])
async def test_tampered_example_fails(path: str) -> None:
    document = load(f"examples/{path}")
    document["name"] = document.get("name", "") + "!"
    with pytest.raises(DataIntegrityError) as info:
        await verify(document)
    assert info.value.reason == "signature"


@pytest.mark.parametrize(
    ("path", "reason", "needle"),
    [
        ("ob3/simple-err-proof-value.json", "signature", "signature does not verify"),
        ("ob3/simple-err-type.json", "dropped_term", "OtherCredential"),  # undefined type: relative IRI
        ("ob3/simple-err-context.json", "dropped_term", "created"),  # no VC context: proof terms undefined
        ("ob3/derivedcredential-ecdsa-sd-2023.json", "unknown_cryptosuite", "cryptosuite"),
    ],
)
async def test_negative_examples_are_rejected(path: str, reason: str, needle: str) -> None:
    with pytest.raises(DataIntegrityError, match=needle) as info:
        await verify(load(f"examples/{path}"))
    assert info.value.reason == reason


# --- safe mode and the static loader --------------------------------------------------------------


def ob3_unsigned() -> dict[str, Any]:
    document: dict[str, Any] = load(f"{OB3}/unsigned.json")
    return document


async def sign(document: dict[str, Any], key: SigningKey | None = None, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("verification_method", "did:example:issuer#key-1")
    return await add_proof(
        document, signer=key or impl_guide_key(OB3), created="2024-01-01T00:00:00Z", executor=None, **kwargs
    )


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"foo": "bar"}, "drop the term foo"),
        ({"type": ["VerifiableCredential", "OpenBadgeCredential", "NoSuchType"]}, "relative IRI NoSuchType"),
        ({"id": "relative/credential"}, "relative IRI relative/credential"),
    ],
)
async def test_signing_refuses_dropped_terms(change: dict[str, Any], needle: str) -> None:
    with pytest.raises(DataIntegrityError, match=needle) as info:
        await sign(ob3_unsigned() | change)
    assert info.value.reason == "dropped_term"


async def test_nested_dropped_term_is_named() -> None:
    document = ob3_unsigned()
    document["credentialSubject"]["achievement"]["favouriteColour"] = "blue"
    with pytest.raises(DataIntegrityError, match="favouriteColour"):
        await sign(document)


async def test_ed25519_2020_needs_its_context() -> None:
    with pytest.raises(DataIntegrityError) as info:
        await sign(ob3_unsigned(), cryptosuite="Ed25519Signature2020")
    assert info.value.reason == "dropped_term"


async def test_undefined_terms_context_makes_the_term_signed() -> None:
    document = ob3_unsigned() | {"foo": "bar"}
    document["@context"] = [*document["@context"], "https://www.w3.org/ns/credentials/undefined-terms/v2"]
    signed = await sign(document, verification_method="did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi")
    assert "foo" in canonicalize(unsigned(signed))
    await verify(signed)


async def test_unknown_context_url_is_refused_without_network() -> None:
    document = ob3_unsigned()
    document["@context"] = [*document["@context"], "https://evil.example/context.json"]
    with pytest.raises(DataIntegrityError, match=r"not allowed: https://evil\.example/context\.json") as info:
        await sign(document)
    assert info.value.reason == "jsonld"


async def test_inline_remote_context_reference_is_refused() -> None:
    document = ob3_unsigned()
    document["credentialSubject"]["@context"] = "http://localhost:8080/ctx"
    with pytest.raises(DataIntegrityError, match="not allowed") as info:
        canonicalize(document)
    assert info.value.reason == "jsonld"


def test_loader_serves_exactly_the_bundled_index() -> None:
    index = json.loads((Path(ldp_vc.__file__).parent / "contexts" / "index.json").read_text("utf-8"))
    assert ldp_vc.known_context_urls() == frozenset(index)
    remote = ldp_vc._load_document("https://www.w3.org/ns/credentials/v2")
    assert remote["tag"] == "static"
    assert remote["documentUrl"] == "https://www.w3.org/ns/credentials/v2"
    raw = (Path(ldp_vc.__file__).parent / "contexts" / index["https://www.w3.org/ns/credentials/v2"]).read_bytes()
    # the VC v2 context hash pinned by VCDM 2.0 §B.1
    assert hashlib.sha256(raw).hexdigest() == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


def test_prime_context_cache_reports_unusable_contexts() -> None:
    assert ldp_vc.prime_context_cache() == ("https://www.w3.org/2018/credentials/examples/v1",)


def test_canonicalize_needs_a_context() -> None:
    with pytest.raises(DataIntegrityError):
        canonicalize({"id": "urn:x"})


# --- add_proof arguments --------------------------------------------------------------------------


async def test_add_proof_does_not_mutate_and_can_emit_an_array() -> None:
    document = ob3_unsigned()
    before = copy.deepcopy(document)
    signed = await sign(document, proof_as_array=True)
    assert document == before
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    assert signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"cryptosuite": "eddsa-jcs-2022"}, "unknown_cryptosuite"),
        ({"cryptosuite": "eddsa-2022"}, "unknown_cryptosuite"),  # verify-only legacy name
        ({"key": SigningKey(generate_key("EC"), kid="p256")}, "key_type"),
    ],
)
async def test_add_proof_refuses_bad_arguments(kwargs: dict[str, Any], reason: str) -> None:
    with pytest.raises(DataIntegrityError) as info:
        await sign(ob3_unsigned(), **kwargs)
    assert info.value.reason == reason


async def test_add_proof_refuses_existing_proof_and_bad_created() -> None:
    signed = await sign(ob3_unsigned())
    with pytest.raises(DataIntegrityError, match="already has a proof"):
        await sign(signed)
    with pytest.raises(DataIntegrityError, match="dateTimeStamp"):
        await add_proof(
            ob3_unsigned(),
            signer=impl_guide_key(OB3),
            verification_method="did:example:1#k",
            created="yesterday",
            executor=None,
        )


# --- verify_proof checks --------------------------------------------------------------------------

DID_KEY = "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"  # the Impl Guide key


async def test_presentation_challenge_and_domain() -> None:
    signed = await sign(
        ob3_unsigned(),
        verification_method=DID_KEY,
        proof_purpose="authentication",
        challenge="n-0S6_WzA2Mj",
        domain="https://issuer.example",
    )
    ok = await verify(
        signed, expected_purpose="authentication", challenge="n-0S6_WzA2Mj", domain="https://issuer.example"
    )
    assert ok.proof_purpose == "authentication"
    for kwargs, reason in [
        ({"challenge": "other"}, "challenge"),
        ({"domain": "https://other.example"}, "domain"),
        ({"expected_purpose": "assertionMethod"}, "proof_purpose"),
    ]:
        with pytest.raises(DataIntegrityError) as info:
            await verify(signed, **({"expected_purpose": "authentication"} | kwargs))
        assert info.value.reason == reason
    tampered = copy.deepcopy(signed)
    tampered["proof"]["challenge"] = "other"
    with pytest.raises(DataIntegrityError) as info:
        await verify(tampered, expected_purpose="authentication", challenge="other")
    assert info.value.reason == "signature"  # the challenge is signed


async def test_domain_is_compared_as_a_set() -> None:
    signed = await sign(ob3_unsigned(), verification_method=DID_KEY, domain="https://a.example")
    assert (await verify(signed, domain=["https://a.example"])).cryptosuite == "eddsa-rdfc-2022"
    with pytest.raises(DataIntegrityError) as info:
        await verify(signed, domain=["https://a.example", "https://b.example"])
    assert info.value.reason == "domain"
    listed = with_proof(signed, domain=["https://b.example", "https://a.example"])
    with pytest.raises(DataIntegrityError) as info:
        await verify(listed, domain="https://a.example")
    assert info.value.reason == "domain"
    with pytest.raises(DataIntegrityError) as info:
        await verify(listed, domain={"https://a.example", "https://b.example"})
    assert info.value.reason == "signature"  # the domain check passed; the list is not what was signed


def with_proof(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    proof = out["proof"][0] if isinstance(out["proof"], list) else out["proof"]
    proof.update(changes)
    return out


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"proofValue": "z" + "1" * 10}, "invalid_proof_value"),
        ({"proofValue": "zO0Il"}, "invalid_proof_value"),  # not base58btc
        ({"proofValue": "u" + "A" * 86}, "invalid_proof_value"),  # not base58btc multibase
        ({"proofValue": 42}, "invalid_proof_value"),
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "unknown_cryptosuite"),
        ({"type": "JsonWebSignature2020"}, "unknown_cryptosuite"),
        ({"proofPurpose": "authentication"}, "proof_purpose"),
        ({"verificationMethod": "https://issuer.example/keys/1"}, "unresolvable_key"),
        ({"expires": "2020-01-01T00:00:00Z"}, "expired"),
        ({"expires": "2020-01-01T00:00:00"}, "malformed_proof"),
        ({"created": "1 Jan 2010"}, "malformed_proof"),
        ({"verificationMethod": None}, "malformed_proof"),
    ],
)
async def test_verify_rejects(changes: dict[str, Any], reason: str) -> None:
    document = with_proof(load("examples/ob3/simple.json"), **changes)
    with pytest.raises(DataIntegrityError) as info:
        await verify(document, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert info.value.reason == reason


async def test_verify_rejects_non_ed25519_key_and_bad_shapes() -> None:
    async def p256(_: str) -> Jwk:
        return SigningKey(generate_key("EC"), kid="p").public_jwk

    with pytest.raises(DataIntegrityError) as info:
        await verify_proof(load("examples/ob3/simple.json"), resolve_key=p256, verifier=VERIFIER, executor=None)
    assert info.value.reason == "key_type"
    two = load("examples/ob3/simple.json")
    two["proof"] = two["proof"] * 2
    documents: list[dict[str, Any]] = [{"@context": []}, two, unsigned(load("examples/ob3/simple.json"))]
    for document in documents:
        with pytest.raises(DataIntegrityError) as info:
            await verify(document)
        assert info.value.reason == "malformed_proof"


@pytest.mark.parametrize("context", [["https://www.w3.org/ns/credentials/v2"], ["https://evil.example/ctx"]])
async def test_proof_context_is_ignored(context: list[str]) -> None:
    # the proof configuration always takes the document's @context; the proof's is neither signed nor loaded
    await verify(with_proof(load("examples/ob3/simple.json"), **{"@context": context}))


async def test_domain_of_the_wrong_shape_is_a_mismatch() -> None:
    for bad in ({"a": 1}, [{"a": 1}], 7):
        with pytest.raises(DataIntegrityError) as info:
            await verify(with_proof(load("examples/ob3/simple.json"), domain=bad), domain="https://a.example")
        assert info.value.reason == "domain"


async def test_expires_in_the_future_verifies_its_signature() -> None:
    document = with_proof(load("examples/ob3/simple.json"), expires="2030-01-01T00:00:00Z")
    with pytest.raises(DataIntegrityError) as info:
        await verify(document, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert info.value.reason == "signature"  # not expired; expires was not in the signed proof


# --- process pool and pickling --------------------------------------------------------------------


def test_error_pickles() -> None:
    error = DataIntegrityError('bad "term"\n', "dropped_term", detail="log only")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.message, clone.reason, clone.detail, str(clone)) == (
        "bad ?term??",
        "dropped_term",
        "log only",
        "bad ?term??",
    )


async def test_process_pool_signs_and_verifies_identically() -> None:
    options, expected = load(f"{OB3}/proof-options.json"), load(f"{OB3}/expected.json")
    with ProcessPoolExecutor(max_workers=1, initializer=ldp_vc.prime_context_cache) as pool:
        signed = await add_proof(
            load(f"{OB3}/unsigned.json"),
            signer=impl_guide_key(OB3),
            verification_method=options["verificationMethod"],
            created=options["created"],
            executor=pool,
        )
        assert signed["proof"]["proofValue"] == expected["proofValue"]
        result = await verify_proof(signed, resolve_key=resolve_key, verifier=VERIFIER, executor=pool)
        assert result.verification_method == options["verificationMethod"]
        with pytest.raises(DataIntegrityError, match="drop the term foo") as info:
            await add_proof(
                ob3_unsigned() | {"foo": 1},
                signer=impl_guide_key(OB3),
                verification_method=options["verificationMethod"],
                created=options["created"],
                executor=pool,
            )
        assert info.value.reason == "dropped_term"
