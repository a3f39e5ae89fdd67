"""A chat-completions server on loopback whose answers a test scripts (shared by the API tests)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedServer:
    """Answers chat completions; fails with `failures` statuses first, then `after` onwards."""

    def __init__(self) -> None:
        self.failures: list[int] = []  # statuses returned, one per request, before succeeding
        self.fail_after: int | None = None  # succeed this many times, then answer 500 forever
        self.delay = 0.0
        self.echo_authorization = False  # a careless server repeats the request in its errors
        self.usage = (11, 3)
        self.models = ["scripted"]
        self.raw_reply: bytes | None = None  # sent as the body of every 200, as it is
        self.requests: list[dict[str, Any]] = []
        self.successes: list[str] = []
        self.authorization: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _respond(self, body: dict[str, Any], authorization: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            self.authorization.add(authorization)
            if self.failures:
                status = self.failures.pop(0)
                echoed = f" for {authorization}" if self.echo_authorization else ""
                message = f"scripted {status}{echoed}"
                return status, {"error": {"message": message, "type": "scripted"}}
            if self.fail_after is not None and len(self.successes) >= self.fail_after:
                return 500, {"error": {"message": "scripted outage", "type": "server_error"}}
            if body.get("model") not in self.models:
                return 404, {"error": {"message": "model not found", "type": "not_found"}}
            question = body["messages"][-1]["content"]
            self.successes.append(question)
        prompt, completion = self.usage
        return 200, {
            "id": "cmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": self.answer(body)},
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }

    def answer(self, body: dict[str, Any]) -> str:
        """The reply's text; tests that need other replies override this."""
        return f" answer to: {body['messages'][-1]['content']} "

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                models = [{"id": m, "object": "model", "owned_by": "test"} for m in server.models]
                self._send(200, {"object": "list", "data": models})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    time.sleep(server.delay)
                    status, payload = server._respond(body, self.headers.get("Authorization", ""))
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if status == 200 and server.raw_reply is not None:
                    self._send_bytes(200, server.raw_reply)
                    return
                self._send(status, payload, retry_after_ms=status in (429, 500, 503))

            def _send(self, status: int, payload: dict[str, Any], retry_after_ms=False) -> None:
                self._send_bytes(status, json.dumps(payload).encode(), retry_after_ms)

            def _send_bytes(self, status: int, data: bytes, retry_after_ms=False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if retry_after_ms:
                    self.send_header("retry-after-ms", "20")  # keeps the retry tests fast
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
