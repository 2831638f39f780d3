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
