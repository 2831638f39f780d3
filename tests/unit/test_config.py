from __future__ import annotations

from pathlib import Path

import pytest

import oid4vc
from oid4vc.config import ConfigError, load_settings

ROOT = Path(__file__).parents[2]


def test_example_config_loads() -> None:
    settings = load_settings(ROOT / "config.example.toml", environ={})
    assert settings.public_url == "https://badges.example.edu"
    assert set(settings.credential_configurations) == {
        "OpenBadgeCredential_jwt_vc_json", "OpenBadgeCredential_jwt_vc_json_vcdm11"}


def test_env_overrides_and_errors(tmp_path: Path) -> None:
    settings = load_settings(environ={"OID4VC_ADMIN_TOKEN": "s3cret", "OID4VC_ISSUANCE_BATCH_SIZE": "3"})
    assert settings.admin.token == "s3cret" and settings.issuance.batch_size == 3
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\npublic_url = "http://plain.example"\n')
    with pytest.raises(ConfigError, match="https"):
        load_settings(bad, environ={})
    bad.write_text("[server]\nunknown = 1\n")
    with pytest.raises(ConfigError, match="unknown"):
        load_settings(bad, environ={})
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "missing.toml", environ={})


def test_public_surface_is_pinned() -> None:
    assert oid4vc.__all__ == sorted(oid4vc.__all__)
    for name in oid4vc.__all__:
        assert getattr(oid4vc, name) is not None


def test_webhooks(tmp_path: Path) -> None:
    secret = "whsec_" + "A" * 32
    path = tmp_path / "hooks.toml"
    path.write_text(
        '[[webhooks]]\nurl = "https://hr.example/hook"\nsecret_env = "HOOK_SECRET"\nevents = ["credential.*"]\n\n'
        '[[webhooks]]\nurl = "https://lms.example/hook"\nsecret = "' + "s" * 24 + '"\nid = "lms"\n'
    )
    settings = load_settings(path, environ={"HOOK_SECRET": secret})
    first, second = settings.webhooks
    assert first.secret == secret and first.events == ["credential.*"] and first.target_id.startswith("cfg-")
    assert second.target_id == "lms" and settings.outbox_enabled
    assert secret not in repr(settings)
    assert not load_settings(environ={}).outbox_enabled
    assert load_settings(environ={"OID4VC_EVENTS_OUTBOX": "true"}).outbox_enabled
    for text, words in [
        ('[[webhooks]]\nurl = "https://h.example/x"\nsecret_env = "MISSING"\n', "MISSING"),
        ('[[webhooks]]\nurl = "https://h.example/x"\nsecret = "short"\n', "24"),
        ('[[webhooks]]\nurl = "http://h.example/x"\nsecret = "' + "s" * 24 + '"\n', "https"),
        ('[[webhooks]]\nurl = "https://h.example/x"\nsecret = "' + "s" * 24 + '"\nevents = ["Bad"]\n', "events"),
        ('[[webhooks]]\nurl = "https://h.example/x"\nsecret = "x"\nsecret_env = "HOOK_SECRET"\n', "not both"),
        (('[[webhooks]]\nurl = "https://h.example/x"\nsecret = "' + "s" * 24 + '"\n') * 2, "same id"),
        ("[events]\nretry_schedule = []\n", "retry_schedule"),
        ("[events]\nretry_schedule = [-1]\n", "retry"),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError, match=words):
            load_settings(path, environ={"HOOK_SECRET": secret})
    path.write_text('[server]\ndev_mode = true\n\n[[webhooks]]\nurl = "http://127.0.0.1:9/x"\nsecret = "' + "s" * 24
                    + '"\n')
    assert load_settings(path, environ={}).webhooks[0].url == "http://127.0.0.1:9/x"
