"""4D's error answers: an ``__ERROR`` stack (innermost first) of ``{message, componentSignature, errCode}``."""

from __future__ import annotations

COMPONENT = "dbmg"


class RestError(Exception):
    """An error the REST layer answers with ``status`` and an ``__ERROR`` stack."""

    def __init__(self, status: int, *errors: tuple[int, str], extra: dict | None = None) -> None:
        super().__init__(errors[0][1] if errors else f"HTTP {status}")
        self.status = status
        self.errors = errors
        self.extra = extra or {}

    def body(self) -> dict:
        stack = [
            {"message": message, "componentSignature": COMPONENT, "errCode": code} for code, message in self.errors
        ]
        return {**self.extra, "__ERROR": stack}


def unknown_dataclass(name: str) -> RestError:
    return RestError(404, (1800, f'The "{name}" dataclass does not exist or is not exposed'))


def unknown_attribute(attribute: str, dataclass: str, follow_up: tuple[int, str]) -> RestError:
    return RestError(
        500, (1500, f'The "{attribute}" attribute cannot be found in The "{dataclass}" datastore class'), follow_up
    )


def attribute_list_error(attribute: str, dataclass: str) -> RestError:
    return unknown_attribute(
        attribute,
        dataclass,
        (
            1804,
            f'Cannot completely build a list of attributes with "{attribute}" for the "{dataclass}" datastore class',
        ),
    )


def query_error(message: str, code: int = 1162) -> RestError:
    """A ``$filter`` that cannot be parsed or run: 500, like 4D's "Error processing the REST request"."""
    return RestError(500, (code, message), (1201, "Cannot analyze the query"))


def malformed_url(message: str) -> RestError:
    return RestError(400, (1806, message))


def entity_not_found(key: str, dataclass: str) -> RestError:
    return RestError(404, (1542, f'Cannot find entity with "{key}" key in the "{dataclass}" dataclass'))
