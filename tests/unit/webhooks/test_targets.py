"""Webhook targets: event filters, URL rules, the admin ``webhook`` input."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from oid4vc.webhooks.targets import EVENT_FILTER, WebhookInput, check_url, matches


def test_filters() -> None:
    assert matches([], "token.failed")
    assert matches(["*"], "token.failed")
    assert matches(["credential.issued"], "credential.issued")
    assert not matches(["credential.issued"], "credential.issued_extra")
    assert matches(["credential.*"], "credential.revoked")
    assert not matches(["credential.*"], "credentials.x") and not matches(["credential.*"], "offer.created")
    for good in ("*", "offer.created", "credential.*", "presentation.request_fetched"):
        assert EVENT_FILTER.match(good)
    for bad in ("", "Offer.Created", "credential.", "*.issued", "a..b", "credential.**"):
        assert not EVENT_FILTER.match(bad)


def test_urls() -> None:
    check_url("https://hooks.example/x?y=1", allow_http=False)
    check_url("http://127.0.0.1:9000/hook", allow_http=True)
    for bad, allow_http in [("http://hooks.example/x", False), ("ftp://hooks.example/", True), ("/relative", True),
                            ("https://user:pw@hooks.example/", False), ("https://hooks.example/#f", False)]:
        with pytest.raises(ValueError):
            check_url(bad, allow_http=allow_http)


def test_input() -> None:
    hook = WebhookInput.model_validate({"url": "https://hooks.example/x", "secret": "s" * 24})
    assert "s" * 24 not in repr(hook)
    for bad in [{"url": "https://hooks.example/x", "secret": "short"}, {"url": "nope", "secret": "s" * 24},
                {"url": "https://hooks.example/x"}, {"url": "https://hooks.example/x", "secret": "s" * 24, "x": 1},
                {"url": "https://hooks.example/x", "secret": "whsec_!!!!" + "a" * 30}]:
        with pytest.raises(ValidationError):
            WebhookInput.model_validate(bad)
