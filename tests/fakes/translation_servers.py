"""Loopback HTTP servers speaking the LibreTranslate and DeepL v2 text-translation APIs, with a scripted
queue of faults and a log of every request, for the translator tests. They "translate" by upper-casing."""
from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def fake_translation(text: str) -> str:
    return text.upper()


def fake_chinese(text: str) -> str:
    """A deterministic stand-in for a French → Chinese engine: every Latin word becomes two CJK characters
    (picked from its letters), placeholders shaped like e-mail addresses and numbers are copied as they are."""
    import re

    def word(match: re.Match[str]) -> str:
        w = match.group()
        if "@" in w or w.endswith(".invalid"):
            return w
        code = sum(ord(c) for c in w.casefold())
        return chr(0x4E00 + code % 5000) + chr(0x4E00 + (code * 7) % 5000)

    return re.sub(r"[\w@.]*@[\w.]+|[^\W\d_]+", word, text)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a status, a raw body in place of the normal answer, a delay before answering."""

    status: int = 200
    body: bytes | None = None
    delay_s: float = 0.0


TOO_MANY_REQUESTS = Reply(429, b'{"error": "Too many requests"}')
INTERNAL_ERROR = Reply(500, b'{"error": "internal error"}')
UNAVAILABLE = Reply(503, b'{"error": "service unavailable"}')
MALFORMED_JSON = Reply(200, b'{"translatedText": "SAVON')


def hang(seconds: float) -> Reply:
    """Answer normally, but only after `seconds` (cut short when the server closes)."""
    return Reply(delay_s=seconds)


@dataclass
class LoggedRequest:
    path: str
    texts: list[str]
    fields: dict[str, str]              # the other parameters (source, target, ...)
    credential: str | None              # the API key or auth key the request carried
    query_fields: set[str] = field(default_factory=set)  # names that came in the URL query string


class _FakeTranslationServer(ABC):
    """Threaded HTTP server on 127.0.0.1:<free port>. Each request takes the next scripted Reply, if any;
    `default_delay_s` slows every normal answer (to observe how many requests are in flight)."""

    def __init__(self, credential: str | None = None, default_delay_s: float = 0.0,
                 translate: Callable[[str], str] = fake_translation):
        self.translate = translate
        self.credential = credential
        self.default_delay_s = default_delay_s
        self.log: list[LoggedRequest] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def texts(self) -> list[str]:
        """Every text received, in arrival order."""
        return [text for request in self.log for text in request.texts]

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def __enter__(self) -> _FakeTranslationServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                """Silent: the request log is what tests read."""

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        request = self._parse(handler, body)
        if request is None:
            return self._send(handler, 404, b'{"error": "not found"}')
        with self._lock:
            self.log.append(request)
            reply = self._script.popleft() if self._script else Reply(delay_s=self.default_delay_s)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            self._closing.wait(reply.delay_s)
            if reply.status == 200 and reply.body is None:
                self._send(handler, *self._answer(request))
            else:
                self._send(handler, reply.status, reply.body or b"{}")
        except ConnectionError:
            pass  # the client gave up (timeout) before the answer came
        finally:
            with self._lock:
                self._in_flight -= 1

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def _fields(handler: BaseHTTPRequestHandler, body: bytes) -> tuple[dict[str, list[str]], set[str]]:
        """Parameters from the query string and from a form or JSON body, as lists of values."""
        query = parse_qs(urlsplit(handler.path).query)
        if handler.headers.get_content_type() == "application/json":
            loaded = json.loads(body or b"{}")
            from_body = {k: v if isinstance(v, list) else [v] for k, v in loaded.items()}
        else:
            from_body = parse_qs(body.decode("utf-8"))
        return {**query, **from_body}, set(query)

    @abstractmethod
    def _parse(self, handler: BaseHTTPRequestHandler, body: bytes) -> LoggedRequest | None:
        """The request as logged, or None when the path is not part of the API (404)."""

    @abstractmethod
    def _answer(self, request: LoggedRequest) -> tuple[int, bytes]:
        """The status and body of the normal answer."""


class LibreTranslateServer(_FakeTranslationServer):
    """POST /translate with q, source, target, format, api_key (query string, form or JSON body);
    answers {"translatedText": ...}; 403 when `credential` is set and api_key differs."""

    def _parse(self, handler: BaseHTTPRequestHandler, body: bytes) -> LoggedRequest | None:
        if urlsplit(handler.path).path != "/translate":
            return None
        fields, in_query = self._fields(handler, body)
        values = {name: values[0] for name, values in fields.items()}
        texts = [values.pop("q")] if "q" in values else []
        return LoggedRequest(handler.path, texts, values, values.pop("api_key", None), in_query)

    def _answer(self, request: LoggedRequest) -> tuple[int, bytes]:
        if self.credential is not None and request.credential != self.credential:
            return 403, b'{"error": "Invalid API key"}'
        if not request.texts:
            return 400, b'{"error": "Invalid request: missing q parameter"}'
        return 200, json.dumps({"translatedText": self.translate(request.texts[0])}).encode()


class DeepLServer(_FakeTranslationServer):
    """POST /v2/translate as the deepl client sends it: header "Authorization: DeepL-Auth-Key KEY", JSON
    body {"text": [...], "target_lang", "source_lang", "show_billed_characters"}; answers
    {"translations": [{"detected_source_language", "text", "billed_characters"}]}, which the client needs
    in full (it reads billed_characters with int())."""

    def _parse(self, handler: BaseHTTPRequestHandler, body: bytes) -> LoggedRequest | None:
        if urlsplit(handler.path).path != "/v2/translate":
            return None
        fields, in_query = self._fields(handler, body)
        texts = [str(text) for text in fields.pop("text", [])]
        values = {name: str(values[0]) for name, values in fields.items()}
        scheme, _, key = (handler.headers.get("Authorization") or "").partition(" ")
        credential = key if scheme == "DeepL-Auth-Key" else None
        return LoggedRequest(handler.path, texts, values, credential, in_query)

    def _answer(self, request: LoggedRequest) -> tuple[int, bytes]:
        if self.credential is not None and request.credential != self.credential:
            return 403, b'{"message": "Authorization failure"}'
        if not request.texts or "target_lang" not in request.fields:
            return 400, b'{"message": "Value for \'target_lang\' not supported."}'
        source = request.fields.get("source_lang", "FR")
        translations = [
            {"detected_source_language": source, "text": self.translate(text),
             "billed_characters": len(text)}
            for text in request.texts
        ]
        return 200, json.dumps({"translations": translations}).encode()
