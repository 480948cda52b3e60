"""The config room: settings from the environment (and .env), validated once at start-up."""

from shared.config.settings import IPNetwork, Settings, get_settings

__all__ = ["IPNetwork", "Settings", "get_settings"]
