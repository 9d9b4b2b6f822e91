"""Typed extract failures. Every message is one line, fit for a terminal, and never carries credentials."""

from __future__ import annotations


class ExtractError(Exception):
    """Base of every failure the extract raises on purpose."""


class SourceUnavailable(ExtractError):
    """The 4D server cannot be reached (refused, timed out, dropped) within the retry budget."""


class AuthenticationFailed(ExtractError):
    """4D refused the credentials, or a re-established session was refused again."""


class SessionLimitReached(ExtractError):
    """4D kept answering 402 (no licence left) after backing off with the same session cookie."""


class BadRequest(ExtractError):
    """4D rejected a request as malformed: unknown table or attribute, a filter it cannot run."""


class ServerError(ExtractError):
    """4D kept answering with a server error after the bounded retries."""


class ExtractStateError(ExtractError):
    """The landed data or dlt state contradicts what the run expects (e.g. a child extracted before its parent)."""
