"""Domain errors: a code from COMMANDS.md plus a catalogue key that explains it."""
from __future__ import annotations

from typing import Any

ERROR_CODES = ("invalid_input", "permission_denied", "not_found", "conflict", "not_eligible", "rate_limited")


class DomainError(Exception):
    """Raised by a service when an action is refused; nothing has been changed."""

    def __init__(self, code: str, detail_key: str | None = None, /, **params: Any) -> None:
        assert code in ERROR_CODES, code
        super().__init__(f"{code}: {detail_key} {params}")
        self.code = code
        self.detail_key = detail_key
        self.params = params
        self.whole = False  # True: the detail is the whole answer, without the code's lead-in


def whole(err: DomainError) -> DomainError:
    """The refusal said by its detail alone (« Vous ne faites plus partie… », not « Vous ne pouvez pas encore
    faire cela : vous ne faites plus partie… »)."""
    err.whole = True
    return err


def invalid(detail_key: str, **params: Any) -> DomainError:
    return DomainError("invalid_input", detail_key, **params)


def denied(detail_key: str | None = None, **params: Any) -> DomainError:
    return DomainError("permission_denied", detail_key, **params)


def not_found(detail_key: str, **params: Any) -> DomainError:
    return DomainError("not_found", detail_key, **params)


def conflict(detail_key: str, **params: Any) -> DomainError:
    return DomainError("conflict", detail_key, **params)


def not_eligible(detail_key: str, **params: Any) -> DomainError:
    return DomainError("not_eligible", detail_key, **params)


def rate_limited(detail_key: str, **params: Any) -> DomainError:
    return DomainError("rate_limited", detail_key, **params)
