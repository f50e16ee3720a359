"""Source readers: each turns one PMS (database, folder of exports, ...) into canonical frames."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings, Source
from connectors.base import Connector
from connectors.mapping import load_mapping
from warehouse.errors import UserFacingError


def mapping_path(settings: Settings, source: Source) -> Path:
    """A mapping path as written in the config: absolute, or relative to the working directory
    (ARCHITECTURE.md), falling back to the config file's folder and the repository root."""
    from config.settings import REPO_ROOT

    path = Path(source.mapping)
    if path.is_absolute() or path.exists():
        return path.resolve()
    for base in (settings.path.parent, REPO_ROOT):
        if (base / path).exists():
            return (base / path).resolve()
    return path.resolve()


def open_connector(settings: Settings, source: Source) -> Connector:
    """The connector for a configured source, its mapping loaded and checked (not yet connected)."""
    if source.kind == "sql":
        from connectors.sql import SqlConnector

        return SqlConnector(source.name, source.url, load_mapping(mapping_path(settings, source)))
    if source.kind == "csv":
        from connectors.csv_folder import CsvFolderConnector

        return CsvFolderConnector(source.name, source.url, load_mapping(mapping_path(settings, source)))
    if source.kind == "x12":
        from connectors.x12_835 import X12Folder835Connector

        return X12Folder835Connector(source.name, source.url)  # the 835 layout is fixed: no mapping
    raise UserFacingError(f"{settings.path}: source {source.name!r} has kind {source.kind!r}, which this version "
                          f"cannot sync yet (sql, csv and x12 can)")
