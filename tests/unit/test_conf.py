"""The ZOOM_XBLOCK setting: one typed view, environment fallback, secrets kept out of sight."""
from zoom_xblock.conf import DEFAULT_OAUTH_URL, get_config


def test_defaults_without_anything_configured(settings):
    settings.ZOOM_XBLOCK = {}
    config = get_config()
    assert config.oauth_url == DEFAULT_OAUTH_URL or config.oauth_url.endswith("/oauth/token")
    assert config.plan == "pro"
    assert config.webinars_enabled is True
    assert not config.is_configured
    assert config.missing_credentials == ["ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET"]


def test_environment_fills_what_the_setting_leaves_out(settings, monkeypatch):
    settings.ZOOM_XBLOCK = {"CLIENT_ID": "from-settings"}
    monkeypatch.setenv("ZOOM_CLIENT_ID", "from-env")
    monkeypatch.setenv("ZOOM_ACCOUNT_ID", "acct")
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("ZOOM_WEBINARS_ENABLED", "false")
    monkeypatch.setenv("ZOOM_PRE_START_SYNC_MINUTES", "45")
    config = get_config()
    assert config.client_id == "from-settings"
    assert config.account_id == "acct"
    assert config.webinars_enabled is False
    assert config.pre_start_sync_minutes == 45
    assert config.is_configured


def test_settings_are_read_lazily(settings):
    settings.ZOOM_XBLOCK = {"PLAN": "business"}
    assert get_config().plan == "business"
    settings.ZOOM_XBLOCK = {"PLAN": "pro"}
    assert get_config().plan == "pro"


def test_repr_never_shows_secrets(settings):
    settings.ZOOM_XBLOCK = {"CLIENT_SECRET": "very-secret-value",
                            "WEBHOOK_SECRET_TOKEN": "hook-secret-value", "CLIENT_ID": "cid"}
    text = repr(get_config()) + str(get_config())
    assert "very-secret-value" not in text
    assert "hook-secret-value" not in text
    assert "cid" in text
