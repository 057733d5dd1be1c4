"""Where the settings come from, and `paperdigest init`: a config folder a person can edit.

Lookup order for the settings file (first found wins):

1. `--config PATH` (a settings.toml, or a folder holding one);
2. `$PAPERDIGEST_CONFIG` (the same);
3. `settings.toml` in the per-user config folder, which `paperdigest init` writes
   (`~/.config/paperdigest/` on Linux);
4. the defaults shipped with the package.

The shipped defaults are the top-level `config/` folder of the checkout, the one copy in git; a
wheel carries the same files as `digest/_config` (see pyproject.toml), so an installed
`paperdigest` needs no checkout.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
SETTINGS_NAME = "settings.toml"


class InitError(Exception):
    """`paperdigest init` would overwrite an edited file; the message names it."""


def bundled_config_dir() -> Path:
    """The shipped defaults: digest/_config in an installed wheel, else the checkout's config/."""
    installed = PACKAGE_DIR / "_config"
    return installed if (installed / SETTINGS_NAME).is_file() else PACKAGE_DIR.parent / "config"


def bundled_samples_dir() -> Path:
    """The invented sample pages: digest/_samples in an installed wheel, else the checkout's samples/."""
    installed = PACKAGE_DIR / "_samples"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "samples"


def user_config_dir() -> Path:
    """Where `paperdigest init` writes by default and lookup step 3 reads."""
    return Path(platformdirs.user_config_dir("paperdigest"))


def user_data_dir() -> Path:
    """Where the database lives when nothing else names one."""
    return Path(platformdirs.user_data_dir("paperdigest"))


@dataclass(frozen=True)
class SettingsSource:
    """The settings file in use and which lookup step found it (shown by `paperdigest info`)."""

    path: Path
    origin: str


def _settings_file(path: Path) -> Path:
    return path / SETTINGS_NAME if path.is_dir() else path


def find_settings(explicit: Path | str | None = None) -> SettingsSource:
    """The settings file to read, by the lookup order in this module's docstring."""
    if explicit:
        return SettingsSource(_settings_file(Path(explicit).expanduser()), "--config")
    env = os.environ.get("PAPERDIGEST_CONFIG")
    if env:
        return SettingsSource(_settings_file(Path(env).expanduser()), "$PAPERDIGEST_CONFIG")
    user = user_config_dir() / SETTINGS_NAME
    if user.is_file():
        return SettingsSource(user, "user config folder")
    return SettingsSource(bundled_config_dir() / SETTINGS_NAME, "defaults shipped with paperdigest")


def default_files() -> list[Path]:
    """The shipped config files, relative to their folder (settings, region, topics, sources ...)."""
    base = bundled_config_dir()
    return sorted(p.relative_to(base) for p in base.rglob("*")
                  if p.is_file() and p.suffix in (".toml", ".txt", ".csv") and "__pycache__" not in p.parts)


def init_config(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped config files into `target`; refuse to overwrite an existing file unless forced.

    Nothing is written when any file would be overwritten, so a half-copied folder never results.
    """
    base = bundled_config_dir()
    files = default_files()
    if not force:
        existing = [target / f for f in files if (target / f).exists()]
        if existing:
            raise InitError(f"{existing[0]} already exists (use --force to overwrite the config files there)")
    written = []
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(base / rel, dest)
        written.append(dest)
    return written
