"""Settings: TOML into a dataclass, paths relative to the config file, the database path's precedence."""

from pathlib import Path

import pytest

from digest.settings import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_from_config_folder(settings):
    assert settings.paper == "聊城日报"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.county_order[0] == "全市"
    assert settings.summary.max_chars == 120
    assert settings.region_path.exists() and settings.topics_path.exists()


def test_db_path_precedence(tmp_path, monkeypatch):
    settings = load_settings(write(tmp_path, '[store]\ndb = "data/pd.db"\n'))
    monkeypatch.setenv("PAPERDIGEST_DB", "/env/pd.db")
    assert settings.db_path("/cli/pd.db") == Path("/cli/pd.db")
    assert settings.db_path() == Path("/env/pd.db")
    monkeypatch.delenv("PAPERDIGEST_DB")
    assert settings.db_path() == tmp_path / "data" / "pd.db"
    bare = load_settings(write(tmp_path, ""))
    assert bare.db_path().name == "paperdigest.db"
    assert "paperdigest" in str(bare.db_path().parent)


def test_admins_from_config_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERDIGEST_ADMINS", "42, 7,42")
    settings = load_settings(write(tmp_path, "[bot]\nadmins = [7, 9]\n"))
    assert settings.bot.admins == (7, 9, 42)


@pytest.mark.parametrize(("text", "message"), [
    ("[paper\nname = 1", "not valid TOML"),
    ("[summary]\nmax_char = 3\n", "unexpected keyword argument 'max_char'"),
])
def test_bad_settings_name_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as err:
        load_settings(path)
    assert str(err.value).startswith(f"{path}: ")


def test_missing_settings_file(tmp_path):
    with pytest.raises(ConfigError, match="settings file not found"):
        load_settings(tmp_path / "nope.toml")
