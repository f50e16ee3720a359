"""Settings: one TOML file per practice (see ARCHITECTURE.md, "Configuration (contract)")."""

from config.settings import ConfigError, Settings, Source, default_config_path, load_settings

__all__ = ["ConfigError", "Settings", "Source", "default_config_path", "load_settings"]
