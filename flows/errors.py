"""Failures of a whole run, kept free of heavy imports so the CLI can name them without loading Prefect."""

from __future__ import annotations


class SyncFailed(Exception):
    """A run failed for a reason it can name (an error class of the run history); the message is one line."""

    def __init__(self, error_class: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
