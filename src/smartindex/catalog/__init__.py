"""Shipped indicator catalogs: ``from smartindex.catalog import shandong``."""

from __future__ import annotations

__all__ = ["shandong"]


def __getattr__(name: str) -> object:
    if name == "shandong":
        import importlib

        return importlib.import_module("smartindex.catalog.shandong")
    raise AttributeError(f"module 'smartindex.catalog' has no attribute {name!r}")
