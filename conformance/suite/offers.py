"""How the suite gets Credential Offers (OpenID4VCI 1.0 §4.1) from the issuer under test.

An issuer-initiated flow starts at the issuer, so a wallet-side test suite needs a way to make the issuer produce
offers. Three adapters:

- :class:`AdminApiOffers`: oid4vc's operator API (``POST /admin/offers`` with a bearer token); unlimited fresh
  offers with or without ``tx_code``, by value or by reference.
- :class:`CommandOffers`: any command that prints one offer (link, or JSON ``{"offer_uri", "tx_code"}``); lets
  the suite drive someone else's issuer with unlimited offers. It gets the wanted properties in environment
  variables ``OID4VC_CONFORMANCE_CONFIG_ID``, ``..._TX_CODE`` (``1``/``0``/empty), ``..._BY_REFERENCE``.
- :class:`OfferPool`: a fixed list of offer links given on the command line (``--offer-uri``); checks that need
  more or other offers than the pool holds are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from conformance.suite.http import HttpClient
from conformance.suite.model import Skip

__all__ = [
    "DEFAULT_SUBJECT",
    "DEFAULT_SUBJECTS",
    "PRE_AUTHORIZED_GRANT",
    "AdminApiOffers",
    "CommandOffers",
    "NoOffers",
    "ObtainedOffer",
    "OfferLink",
    "OfferPool",
    "OfferSource",
    "OfferWanted",
    "parse_offer_link",
]

JsonObject = dict[str, Any]
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _achievement(n: int) -> JsonObject:
    return {
        "achievement": {
            "id": f"https://example.edu/achievements/conformance-suite-{n}",
            "type": ["Achievement"],
            "name": f"OpenID4VCI conformance {n}",
            "description": "Issued to the oid4vc conformance suite's test wallet.",
            "criteria": {"narrative": "Completed an OpenID4VCI 1.0 conformance run."},
        }
    }


# credential_subject for oid4vc's admin API, by credential type ("*": any other type)
DEFAULT_SUBJECT: JsonObject = _achievement(1)
DEFAULT_SUBJECTS: dict[str, JsonObject] = {
    "*": DEFAULT_SUBJECT,
    "ClrCredential": {"name": "Conformance transcript", "credential_subjects": [_achievement(1), _achievement(2)]},
}


@dataclass(frozen=True, slots=True)
class OfferWanted:
    """What a check needs; ``None`` means "either way"."""

    config_id: str | None = None
    tx_code: bool | None = None
    by_reference: bool | None = None
    credential_types: tuple[str, ...] = ()  # the configuration's types (credential_definition.type, vct)


@dataclass(frozen=True, slots=True)
class ObtainedOffer:
    link: str  # openid-credential-offer://?..., or any URL carrying credential_offer(_uri), or the offer URI itself
    tx_code: str | None = None  # the Transaction Code the issuer sent "by another channel"
    label: str = ""


@dataclass(frozen=True, slots=True)
class OfferLink:
    """The single query parameter of an offer link (§4.1): exactly one of the two is set."""

    credential_offer: JsonObject | None
    credential_offer_uri: str | None


def parse_offer_link(link: str) -> OfferLink:
    """Parse ``openid-credential-offer://?credential_offer=...`` / ``...?credential_offer_uri=...`` (any scheme);
    a plain https URL without either parameter is taken as the ``credential_offer_uri`` itself. Raises ValueError
    when both or neither (after the fallback) are present, or a parameter repeats."""
    query = parse_qs(urlsplit(link.strip()).query, keep_blank_values=True)
    by_value = query.get("credential_offer", [])
    by_reference = query.get("credential_offer_uri", [])
    if len(by_value) > 1 or len(by_reference) > 1:
        raise ValueError("an offer link carries its parameter once")
    if by_value and by_reference:
        raise ValueError("credential_offer and credential_offer_uri must not both be present (§4.1)")
    if by_value:
        try:
            offer = json.loads(by_value[0])
        except ValueError:
            raise ValueError("credential_offer is not JSON") from None
        if not isinstance(offer, dict):
            raise ValueError("credential_offer is not a JSON object")
        return OfferLink(offer, None)
    if by_reference:
        return OfferLink(None, by_reference[0])
    if link.startswith(("https://", "http://")):
        return OfferLink(None, link.strip())
    raise ValueError("the link has neither credential_offer nor credential_offer_uri")


class OfferSource(Protocol):
    """Produces offers on request. ``unlimited`` sources can satisfy any number of ``obtain`` calls."""

    description: str
    unlimited: bool

    async def obtain(self, want: OfferWanted) -> ObtainedOffer:
        """A new offer, or raise Skip with the reason it cannot be had."""
        ...

    def release(self, offer: ObtainedOffer) -> None:
        """Give back an offer that was not redeemed (it did not fit, or was only inspected)."""
        ...


@dataclass(slots=True)
class NoOffers:
    description: str = "none (pass --admin-token, --offer-uri or --offer-command)"
    unlimited: bool = False

    async def obtain(self, want: OfferWanted) -> ObtainedOffer:
        raise Skip("needs a Credential Offer: pass --admin-token, --offer-uri or --offer-command")

    def release(self, offer: ObtainedOffer) -> None:
        return None


@dataclass(slots=True)
class AdminApiOffers:
    """oid4vc's ``POST /admin/offers`` (see README "Admin API")."""

    http: HttpClient
    admin_url: str  # e.g. https://issuer.example/admin
    token: str
    default_config_id: str | None = None
    subjects: dict[str, JsonObject] = field(default_factory=lambda: dict(DEFAULT_SUBJECTS))
    description: str = "oid4vc admin API"
    unlimited: bool = True

    async def obtain(self, want: OfferWanted) -> ObtainedOffer:
        config_id = want.config_id or self.default_config_id
        if config_id is None:
            raise Skip("no credential configuration to offer")
        body = {
            "credential_configuration_id": config_id,
            "credential_subject": self.subject_for(want.credential_types),
            "tx_code": bool(want.tx_code),
            "by_reference": want.by_reference is not False,
            "expires_in": 600,
        }
        resp = await self.http.post_json(
            f"{self.admin_url.rstrip('/')}/offers", body, headers={"Authorization": f"Bearer {self.token}"},
            purpose="admin",
        )
        created = resp.json_object()
        if resp.status != 201 or created is None or not isinstance(created.get("offer_uri"), str):
            reason = created.get("error_description") or created.get("error") if created else None
            raise Skip(f"the admin API did not create an offer for {config_id}: HTTP {resp.status} {reason or ''}")
        tx_code = created.get("tx_code")
        return ObtainedOffer(created["offer_uri"], tx_code if isinstance(tx_code, str) else None, created.get("id", ""))

    def subject_for(self, credential_types: tuple[str, ...]) -> JsonObject:
        """The subject for the most specific type named (a vct matches by its last path segment)."""
        for name in reversed(credential_types):
            short = name.rstrip("/").rsplit("/", 1)[-1]
            if name in self.subjects or short in self.subjects:
                return self.subjects.get(name) or self.subjects[short]
        return self.subjects["*"]

    def release(self, offer: ObtainedOffer) -> None:
        return None  # unredeemed offers simply expire


@dataclass(slots=True)
class CommandOffers:
    """Runs ``command`` (split like a shell would, never through one) for each offer."""

    command: str
    default_config_id: str | None = None
    timeout: float = 30.0
    description: str = "offer command"
    unlimited: bool = True

    async def obtain(self, want: OfferWanted) -> ObtainedOffer:
        env = os.environ | {
            "OID4VC_CONFORMANCE_CONFIG_ID": want.config_id or self.default_config_id or "",
            "OID4VC_CONFORMANCE_TX_CODE": "" if want.tx_code is None else str(int(want.tx_code)),
            "OID4VC_CONFORMANCE_BY_REFERENCE": "" if want.by_reference is None else str(int(want.by_reference)),
        }
        proc = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
        )
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(), self.timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise Skip(f"the offer command did not finish within {self.timeout:.0f} s") from None
        if proc.returncode != 0:
            raise Skip(f"the offer command exited {proc.returncode}: {stderr.decode(errors='replace')[-300:]}")
        text = stdout.decode("utf-8", errors="replace").strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                raise Skip("the offer command printed invalid JSON") from None
            link, tx_code = data.get("offer_uri"), data.get("tx_code")
            if not isinstance(link, str):
                raise Skip("the offer command's JSON has no offer_uri string")
            return ObtainedOffer(link, tx_code if isinstance(tx_code, str) else None, "command")
        lines = text.splitlines()
        if not lines:
            raise Skip("the offer command printed nothing")
        return ObtainedOffer(lines[0].strip(), lines[1].strip() if len(lines) > 1 else None, "command")

    def release(self, offer: ObtainedOffer) -> None:
        return None


@dataclass(slots=True)
class OfferPool:
    """A fixed list of offers. ``obtain`` hands out each at most once per kind of request; ``release`` returns
    an offer that was not redeemed so another check can use it."""

    offers: list[ObtainedOffer]
    description: str = "offer links given with --offer-uri"
    unlimited: bool = False
    _tried: dict[OfferWanted, set[int]] = field(default_factory=dict)

    async def obtain(self, want: OfferWanted) -> ObtainedOffer:
        tried = self._tried.setdefault(want, set())
        for offer in self.offers:
            if id(offer) not in tried:
                tried.add(id(offer))
                self.offers.remove(offer)
                return offer
        raise Skip("no unused --offer-uri offer fits this check (it needs a fresh offer"
                   + (" with a tx_code" if want.tx_code else " without a tx_code" if want.tx_code is False else "")
                   + (" by value" if want.by_reference is False else "") + "); pass more --offer-uri values")

    def release(self, offer: ObtainedOffer) -> None:
        self.offers.append(offer)
