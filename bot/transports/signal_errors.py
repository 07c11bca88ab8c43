"""What signal-cli's answers to `send` mean for the outbox row.

signal-cli reports per recipient (`results[].type`) and, when a send fails as a whole, with an
error code (-1 user, -3 IO, -4 untrusted identity, -5 rate limit, -32602 unknown account,
-32603 internal). Its rate-limit answers carry `retryAfterSeconds`, and a `token` when Signal wants
a captcha solved before the account may send again.
"""
from __future__ import annotations

from typing import Any

from bot.outbox import Outgoing, PermanentDeliveryError, TransientDeliveryError
from bot.transports.signal_rpc import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    IO_ERROR,
    RATE_LIMIT,
    UNTRUSTED_KEY,
    USER_ERROR,
    ConnectionLost,
    RpcError,
)

DEFAULT_RATE_LIMIT_WAIT = 60.0
CAPTCHA_RECHECK = 3600.0
DAEMON_AWAY_WAIT = 30.0  # while a captcha waits to be solved, try again hourly


class AccountNotRegistered(TransientDeliveryError):
    """The daemon does not hold the configured account: a set-up problem; the row waits."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_after=CAPTCHA_RECHECK)


class CaptchaRequired(TransientDeliveryError):
    """Signal asks for a captcha (a rate-limit challenge) before this account sends again."""

    def __init__(self, token: str, retry_after: float | None) -> None:
        super().__init__(f"captcha required (challenge {token})", retry_after=retry_after or CAPTCHA_RECHECK)
        self.token = token


class RecipientUnreachable(PermanentDeliveryError):
    """The recipient is no longer on Signal (UNREGISTERED_FAILURE)."""


def _results(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        results = value.get("results")
        if results is None and isinstance(value.get("response"), dict):
            results = value["response"].get("results")
        if isinstance(results, list):
            return [r for r in results if isinstance(r, dict)]
    return []


def _rate_limited(results: list[dict[str, Any]], message: str) -> TransientDeliveryError:
    waits = [float(r["retryAfterSeconds"]) for r in results if isinstance(r.get("retryAfterSeconds"), int | float)]
    token = next((str(r["token"]) for r in results if r.get("token")), None)
    wait = max(waits) if waits else None
    if token:
        return CaptchaRequired(token, wait)
    return TransientDeliveryError(message or "rate limited", slow_down=True,
                                  retry_after=wait if wait is not None else DEFAULT_RATE_LIMIT_WAIT)


def classify_send_result(result: Any, message: Outgoing) -> Exception | None:
    """A `send` result → None when delivered, else the failure the dispatcher should act on.

    A group post counts as delivered when it reached anyone; a DM only if its one recipient got it.
    """
    results = _results(result)
    if not results or any(r.get("type") == "SUCCESS" for r in results):
        return None
    types = {str(r.get("type")) for r in results}
    if "RATE_LIMIT_FAILURE" in types:
        return _rate_limited([r for r in results if r.get("type") == "RATE_LIMIT_FAILURE"], "rate limited")
    if types <= {"UNREGISTERED_FAILURE"}:
        return RecipientUnreachable(f"{message.target} is not on Signal any more")
    if "IDENTITY_FAILURE" in types:
        return TransientDeliveryError("the recipient's safety number changed")
    return TransientDeliveryError(", ".join(sorted(types)))


def classify_send_failure(exc: BaseException, message: Outgoing) -> Exception:
    """A failed `send` call → the outbox's outcome for the row."""
    if isinstance(exc, ConnectionLost | OSError | TimeoutError):  # the daemon's absence is not the row's fault
        return TransientDeliveryError(f"signal-cli: {exc}", retry_after=DAEMON_AWAY_WAIT)
    if not isinstance(exc, RpcError):
        return PermanentDeliveryError(repr(exc))
    if exc.code == INVALID_PARAMS and "account" in exc.message.lower():
        return AccountNotRegistered(exc.message)
    if exc.code == RATE_LIMIT:
        return _rate_limited(_results(exc.data), exc.message)
    if exc.code == UNTRUSTED_KEY:
        return TransientDeliveryError(exc.message)
    if exc.code in (IO_ERROR, INTERNAL_ERROR):
        return TransientDeliveryError(exc.message)
    if exc.code == USER_ERROR and "unregistered" in exc.message.lower():
        return RecipientUnreachable(exc.message)
    found = classify_send_result(exc.data if isinstance(exc.data, dict) else None, message)
    if found is not None:
        return found
    return PermanentDeliveryError(f"{exc.code}: {exc.message}")
