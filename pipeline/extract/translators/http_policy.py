"""A timeout and a record of the wire for deep-translator's HTTP calls, so that its failures are classified from
the HTTP status, not from its exception types."""
from __future__ import annotations

import contextvars
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import requests

from pipeline.extract.translators.interface import RequestFailed

# deep-translator calls the module-level requests.get/post without a timeout (Google would wait forever)
# and folds HTTP statuses into its own exceptions (LibreTranslate's 429 arrives as ServerException,
# Microsoft swallows a timeout and fails later with AttributeError). Rather than running each call in a
# worker thread with a deadline -- which leaves the stuck thread and its socket behind, and would fill the
# pool on a hanging provider -- each backend module's `requests` is replaced by a stand-in that, while one
# of our calls runs, adds the timeout (the socket is closed when it expires) and records what happened on
# the wire, so failures are classified from the HTTP status, not from deep-translator's exception type.
# Outside our calls the stand-in passes everything through unchanged. `timeout` bounds the connection
# and each wait for bytes, so a server that keeps trickling bytes could take longer.


@dataclass
class HttpExchange:
    """Policy for, and record of, the HTTP requests of one deep-translator call."""

    timeout_s: float
    params_in_body: bool
    status: int | None = None
    transport_error: requests.RequestException | None = None

    def send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout_s)
        if self.params_in_body and method == "POST" and not kwargs.get("data") and not kwargs.get("json"):
            kwargs["data"] = kwargs.pop("params", None)
        try:
            response = requests.request(method, url, **kwargs)
        except requests.RequestException as exc:
            self.transport_error = exc
            raise
        self.status = response.status_code
        return response


EXCHANGE: contextvars.ContextVar[HttpExchange | None] = contextvars.ContextVar(
    "deep_translator_exchange", default=None
)


class _RequestsWithPolicy:
    """Stands in for the `requests` module inside one deep-translator backend module."""

    def __init__(self, real: ModuleType):
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        exchange = EXCHANGE.get()
        if exchange is None:
            return self._real.request(method, url, **kwargs)
        return exchange.send(method, url, kwargs)


def install_policy(module: ModuleType) -> None:
    if not isinstance(module.requests, _RequestsWithPolicy):
        module.requests = _RequestsWithPolicy(module.requests)


def classify_http(exc: Exception, exchange: HttpExchange) -> RequestFailed:
    error, status = exchange.transport_error, exchange.status
    if isinstance(error, requests.Timeout):
        return RequestFailed(f"timeout after {exchange.timeout_s:g} s", retryable=True)
    if isinstance(error, requests.ConnectionError):
        return RequestFailed("connection failed", retryable=True)
    if error is not None:
        return RequestFailed(f"request failed ({type(error).__name__})", retryable=False)
    if status is None:
        return RequestFailed(f"request not sent ({type(exc).__name__})", retryable=False)
    if status == 429 or status >= 500:
        return RequestFailed(f"HTTP {status}", retryable=True)
    if status >= 400:
        return RequestFailed(f"HTTP {status}", retryable=False)
    return RequestFailed(f"unusable answer ({type(exc).__name__})", retryable=False)
