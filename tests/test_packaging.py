"""What `pip install` ships: every package, and every default config file (an installed
paperdigest must run with no checkout beside it). .ci/install-check installs it for real."""

import fnmatch
import tomllib
from pathlib import Path

from digest.configfiles import bundled_config_dir, default_files, find_settings

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_is_listed():
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("digest", "bot")
             for p in (ROOT / top).rglob("__init__.py")}
    missing = found - set(SETUPTOOLS["packages"])
    assert not missing, f"add to [tool.setuptools] packages: {missing}"


def test_every_config_file_is_package_data():
    assert SETUPTOOLS["package-dir"]["digest._config"] == "config"
    files = [f.as_posix() for f in default_files()]
    assert "settings.toml" in files and "region/liaocheng.toml" in files and "topics.toml" in files
    for path in (p.relative_to(ROOT / "config") for p in (ROOT / "config").rglob("*") if p.is_file()):
        package = ".".join(("digest._config", *path.parent.parts))
        assert package in SETUPTOOLS["packages"], f"add {package} to [tool.setuptools] packages"
        patterns = SETUPTOOLS["package-data"].get(package, [])
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), \
            f"config/{path} would not be installed: add a pattern for {package} to [tool.setuptools.package-data]"


def test_lookup_order(tmp_path, monkeypatch):
    assert find_settings().path == bundled_config_dir() / "settings.toml"
    assert find_settings().origin == "defaults shipped with paperdigest"
    user = tmp_path / "xdg" / "paperdigest"
    user.mkdir(parents=True)
    (user / "settings.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_settings().path == user / "settings.toml"
    monkeypatch.setenv("PAPERDIGEST_CONFIG", str(tmp_path))
    assert find_settings().path == tmp_path / "settings.toml"  # a folder means its settings.toml
    assert find_settings(tmp_path / "other.toml").origin == "--config"


def test_the_env_file_example_names_only_variables_the_code_reads():
    """A typo in deploy/paperdigest.env.example would silently configure nothing."""
    import re

    example = (ROOT / "deploy" / "paperdigest.env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert {"TELEGRAM_BOT_TOKEN", "PAPERDIGEST_ADMINS", "PAPERDIGEST_DB", "PAPERDIGEST_CONFIG"} <= names
    source = "\n".join(p.read_text(encoding="utf-8") for top in ("digest", "bot") for p in (ROOT / top).rglob("*.py"))
    for name in names:
        assert f'"{name}"' in source, f"{name} is not read anywhere in digest/ or bot/"
    unit = (ROOT / "deploy" / "paperdigest.service").read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/paperdigest/paperdigest.env" in unit
    assert re.search(r"^ExecStart=\S+/paperdigest run$", unit, re.MULTILINE)
