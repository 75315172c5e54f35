"""Fake networks on 127.0.0.1 for the publishing tests.

Each is a small threaded `http.server` on a free port that behaves like the
real API where it matters here, and counts what arrives:

* `FakeMastodon` — `POST /api/v1/statuses` with `Idempotency-Key` (a repeat
  within `key_ttl` returns the status already made), `GET`/`DELETE
  /api/v1/statuses/<id>`, `verify_credentials`, an account's statuses.
* `FakeBluesky` — `createSession`, `createRecord` (with a caller-chosen rkey;
  a second create with the same key is refused), `getRecord` (400
  RecordNotFound), `deleteRecord`; expired tokens answer 400 ExpiredToken.
* `FakeWebhook` — checks the HMAC signature and timestamp, ignores a key it has
  seen.

`script` lists what the next "create" requests meet, one entry each:
"429:<seconds>", "500", "502", "503", "401", "403", "422" answer without
accepting; "timeout" accepts and answers too late; "drop" accepts and closes
the connection without answering; "504" accepts and answers 504.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import grapheme

from incidents.checks import measure

BEFORE_ACCEPTING = {"500", "502", "503", "401", "403", "422"}
AFTER_ACCEPTING = {"timeout", "drop", "504"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"{}")

    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else ""


@dataclass
class Response:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


def _error(status: int, error: str, message: str = "", **headers) -> Response:
    body = {"error": error}
    if message:
        body["message"] = message
    return Response(status, body, headers)


def scripted_error(action: str) -> Response | None:
    """The answer for a scripted failure that happens before the server accepts anything."""
    if action.startswith("429"):
        seconds = action.partition(":")[2] or "1"
        return _error(429, "RateLimitExceeded", "Too many requests", **{"Retry-After": seconds})
    if action in {"500", "502", "503"}:
        return _error(int(action), "InternalServerError", "Try again later")
    if action == "401":
        return _error(401, "The access token is invalid")
    if action == "403":
        return _error(403, "This action is not allowed")
    if action == "422":
        return _error(422, "Validation failed: Text can't be blank")
    return None


def after_accepting(action: str | None, response: Response, slow_seconds: float) -> Response:
    if action == "timeout":
        response.delay = slow_seconds
    elif action == "drop":
        response.drop = True
    elif action == "504":
        return _error(504, "Gateway Timeout")
    return response


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) is expected


class FakeServer:
    def __init__(self):
        self.lock = threading.Lock()
        self.script: deque[str] = deque()
        # Every answer comes this long after the work (the crash test uses it to have work in flight).
        self.latency = 0.0
        # How late a "timeout" answer comes; longer than the client's timeout.
        self.slow_seconds = 1.0
        self.requests: list[tuple[str, str]] = []
        # Requests handled but not yet answered, right now.
        self.answering = 0
        self.httpd: ThreadingHTTPServer | None = None

    # --- lifecycle -----------------------------------------------------------

    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parsed.path,
                    query={k: v[0] for k, v in parse_qs(parsed.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with fake.lock:
                    fake.requests.append((request.method, request.path))
                response = fake.dispatch(request)
                with fake.lock:
                    fake.answering += 1
                try:
                    self._answer(response)
                finally:
                    with fake.lock:
                        fake.answering -= 1

            def _answer(self, response):
                if fake.latency:
                    # After the work is done, before answering: a client killed now leaves
                    # the post made but unrecorded, the case reconciliation is for.
                    time.sleep(fake.latency)
                if response.delay:
                    time.sleep(response.delay)
                if response.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = json.dumps(response.body).encode()
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def next_action(self) -> str | None:
        with self.lock:
            return self.script.popleft() if self.script else None

    def dispatch(self, request: Request) -> Response:  # pragma: no cover - subclasses
        raise NotImplementedError


class FakeMastodon(FakeServer):
    token = "mastodon-access-token"
    username = "precinct_a"

    def __init__(self):
        super().__init__()
        self.key_ttl = 3600.0
        self.statuses: dict[str, dict] = {}
        self.deleted: list[str] = []
        self.keys: dict[str, tuple[str, float]] = {}
        self.received = Counter()  # POSTs per Idempotency-Key
        self.created = Counter()  # statuses made per Idempotency-Key
        self.replayed = Counter()  # repeats answered with the existing status
        self._next_id = 110000000000000000

    def posts_linking(self, permalink: str) -> list[dict]:
        with self.lock:
            return [s for s in self.statuses.values() if permalink in s["text"]]

    def _status(self, status_id: str) -> dict:
        status = self.statuses[status_id]
        return {k: v for k, v in status.items() if k != "text"}

    def dispatch(self, request: Request) -> Response:
        if request.bearer() != self.token:
            return _error(401, "The access token is invalid")
        path = request.path
        if path == "/api/v1/accounts/verify_credentials" and request.method == "GET":
            return Response(body={"id": "1", "username": self.username, "acct": self.username})
        if path == "/api/v1/accounts/1/statuses" and request.method == "GET":
            limit = int(request.query.get("limit", 20))
            with self.lock:
                newest = sorted(self.statuses, key=int, reverse=True)[:limit]
                return Response(body=[self._status(i) for i in newest])
        if path == "/api/v1/statuses" and request.method == "POST":
            return self._create(request)
        match = re.fullmatch(r"/api/v1/statuses/(\d+)", path)
        if match:
            with self.lock:
                if match.group(1) not in self.statuses:
                    return _error(404, "Record not found")
                if request.method == "DELETE":
                    self.deleted.append(match.group(1))
                    status = self.statuses.pop(match.group(1))
                    return Response(body={**{k: v for k, v in status.items() if k != "text"}, "text": status["text"]})
                return Response(body=self._status(match.group(1)))
        return _error(404, "Not found")

    def _create(self, request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        with self.lock:
            self.received[key] += 1
            known = self.keys.get(key)
            if known and time.monotonic() - known[1] < self.key_ttl and known[0] in self.statuses:
                self.replayed[key] += 1
                return Response(body=self._status(known[0]))
        action = self.next_action()
        if action and (early := scripted_error(action)):
            return early
        text = request.json().get("status", "")
        if not text.strip():
            return _error(422, "Validation failed: Text can't be blank")
        if measure(text)["mastodon"] > 500:
            return _error(422, "Validation failed: Text character limit of 500 exceeded")
        with self.lock:
            self._next_id += 1
            status_id = str(self._next_id)
            linked = re.sub(r"(https?://\S+)", r'<a href="\1">\1</a>', html.escape(text))
            self.statuses[status_id] = {
                "id": status_id,
                "url": f"{self.url}/@{self.username}/{status_id}",
                "uri": f"{self.url}/users/{self.username}/statuses/{status_id}",
                "content": f"<p>{linked}</p>",
                "visibility": request.json().get("visibility", "public"),
                "text": text,
            }
            if key:
                self.keys[key] = (status_id, time.monotonic())
            self.created[key] += 1
            body = self._status(status_id)
        return after_accepting(action, Response(body=body), self.slow_seconds)


TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


class FakeBluesky(FakeServer):
    handle = "precinct-a.bsky.example"
    password = "abcd-efgh-ijkl-mnop"
    did = "did:plc:fakeprecincta0001"
    collection = "app.bsky.feed.post"

    def __init__(self):
        super().__init__()
        self.tokens: set[str] = set()
        self.expired: set[str] = set()
        self.records: dict[str, dict] = {}
        self.deleted: list[str] = []
        self.sessions_created = 0
        self.create_calls = Counter()  # createRecord calls per rkey
        self.created = Counter()  # records made per rkey
        self.get_calls = Counter()

    def expire_tokens(self) -> None:
        with self.lock:
            self.expired |= self.tokens
            self.tokens.clear()

    def posts_linking(self, permalink: str) -> list[dict]:
        with self.lock:
            return [r for r in self.records.values() if permalink in r["text"]]

    def dispatch(self, request: Request) -> Response:
        nsid = request.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            data = request.json()
            if data.get("identifier") not in (self.handle, self.did) or data.get("password") != self.password:
                return _error(401, "AuthenticationRequired", "Invalid identifier or password")
            with self.lock:
                self.sessions_created += 1
                token = f"jwt-{self.sessions_created}-{time.monotonic_ns()}"
                self.tokens.add(token)
            return Response(
                body={"accessJwt": token, "refreshJwt": "r" + token, "handle": self.handle, "did": self.did}
            )
        token = request.bearer()
        with self.lock:
            if token in self.expired:
                return _error(400, "ExpiredToken", "Token has expired")
            if token not in self.tokens:
                return _error(401, "AuthenticationRequired", "Invalid token")
        if nsid == "com.atproto.repo.createRecord" and request.method == "POST":
            return self._create(request.json())
        if nsid == "com.atproto.repo.getRecord" and request.method == "GET":
            rkey = request.query.get("rkey", "")
            with self.lock:
                self.get_calls[rkey] += 1
                record = self.records.get(rkey)
            if request.query.get("repo") not in (self.did, self.handle) or record is None:
                return _error(400, "RecordNotFound", f"Could not locate record: {rkey}")
            return Response(body={"uri": self._uri(rkey), "cid": "bafyfake" + rkey, "value": record})
        if nsid == "com.atproto.repo.deleteRecord" and request.method == "POST":
            rkey = request.json().get("rkey", "")
            with self.lock:
                if self.records.pop(rkey, None) is not None:
                    self.deleted.append(rkey)
            return Response(body={})
        return _error(400, "InvalidRequest", f"Unknown method {nsid}")

    def _uri(self, rkey: str) -> str:
        return f"at://{self.did}/{self.collection}/{rkey}"

    def _create(self, data: dict) -> Response:
        rkey = data.get("rkey", "")
        with self.lock:
            self.create_calls[rkey] += 1
        action = self.next_action()
        if action and (early := scripted_error(action)):
            return early
        if data.get("repo") not in (self.did, self.handle) or data.get("collection") != self.collection:
            return _error(400, "InvalidRequest", "Wrong repo or collection")
        if not TID_RE.match(rkey):
            return _error(400, "InvalidRequest", "Invalid record key")
        record = data.get("record") or {}
        problem = self._invalid(record)
        if problem:
            return _error(400, "InvalidRecord", problem)
        with self.lock:
            if rkey in self.records:
                return _error(400, "InvalidRequest", "Record already exists")
            self.records[rkey] = record
            self.created[rkey] += 1
        body = {"uri": self._uri(rkey), "cid": "bafyfake" + rkey}
        return after_accepting(action, Response(body=body), self.slow_seconds)

    @staticmethod
    def _invalid(record: dict) -> str:
        text = record.get("text", "")
        if record.get("$type") != "app.bsky.feed.post" or not record.get("createdAt"):
            return "Record/$type and createdAt are required"
        if grapheme.length(text) > 300:
            return "Record/text must not be longer than 300 graphemes"
        encoded = text.encode()
        for facet in record.get("facets", []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            uri = facet["features"][0].get("uri", "")
            if encoded[start:end].decode(errors="replace") != uri:
                return f"Facet {start}-{end} does not cover its link"
        return ""


class FakeWebhook(FakeServer):
    secret = "webhook-shared-secret"
    tolerance = 300

    def __init__(self):
        super().__init__()
        self.received = Counter()  # requests per Idempotency-Key, signature good
        self.accepted: dict[str, dict] = {}  # the first payload per key
        self.bad_signatures = 0
        self.answer_url = ""

    def events(self, name: str) -> list[dict]:
        with self.lock:
            return [p for p in self.accepted.values() if p.get("event") == name]

    def dispatch(self, request: Request) -> Response:
        if request.method != "POST":
            return _error(405, "Method not allowed")
        timestamp = request.headers.get("x-openblotter-timestamp", "")
        signature = request.headers.get("x-openblotter-signature", "")
        expected = (
            "sha256="
            + hmac.new(self.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
        )
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= self.tolerance
        if not fresh or not hmac.compare_digest(signature, expected):
            with self.lock:
                self.bad_signatures += 1
            return _error(401, "bad signature")
        key = request.headers.get("idempotency-key", "")
        if not key:
            return _error(400, "Idempotency-Key is required")
        with self.lock:
            self.received[key] += 1
            if key in self.accepted:
                return Response(body={"status": "duplicate"})
        action = self.next_action()
        if action and (early := scripted_error(action)):
            return early
        with self.lock:
            self.accepted[key] = json.loads(request.body)
        body = {"status": "accepted"}
        if self.answer_url:
            body["url"] = self.answer_url
        return after_accepting(action, Response(body=body), self.slow_seconds)
