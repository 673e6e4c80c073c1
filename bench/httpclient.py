"""The load generator's HTTP/1.1 client: plain asyncio sockets, as cheap as Python gets.

The generator runs on the same 2 cores as the server, so every millisecond it spends is
taken from gunicorn. Two ways to send a request:

- ``http()``: one request on its own connection (``Connection: close``), for page loads
  and writes;
- ``Pool``: the viewers' polls on a few kept-alive connections, as a reverse proxy in
  front of gunicorn (nginx ``keepalive``) or a browser reusing its connection does. Each
  poll still carries its own viewer's cookie and token; only the TCP connection is
  shared. A kept-alive connection the server closed meanwhile (its keep-alive timeout)
  is retried once on a fresh one, as browsers retry an idempotent GET.
"""

import asyncio
import collections
import time


class Response:
    __slots__ = ("body", "headers", "nbytes", "status")

    def __init__(self, status, headers, body, nbytes):
        self.status, self.headers, self.body, self.nbytes = status, headers, body, nbytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def _request_bytes(method, path, host, port, headers, body, *, close) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    if close:
        lines.append("Connection: close")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _parse_head(head: bytes):
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split(" ", 2)[1])
    parsed: dict[str, list[str]] = {}
    for line in head_lines[1:]:
        name, _, value = line.partition(":")
        parsed.setdefault(name.strip().lower(), []).append(value.strip())
    return status, parsed


async def _read_response(reader, method) -> tuple[Response, bool]:
    """One response from ``reader``; and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status, headers = _parse_head(head[:-4])
    nbytes = len(head)
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        out = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            nbytes += len(size_line) + len(chunk)
            if size == 0:
                break
            out += chunk[:-2]
        body = bytes(out)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"][0]))
    else:
        body = await reader.read()
        return Response(status, headers, body, nbytes + len(body)), False
    keep = "close" not in ",".join(headers.get("connection", [])).lower()
    return Response(status, headers, body, nbytes + len(body)), keep


async def http(host, port, method, path, *, headers=None, body=b"", timeout=30.0) -> Response:
    """One request on its own connection."""

    async def go():
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(_request_bytes(method, path, host, port, headers, body, close=True))
            response, _keep = await _read_response(reader, method)
            return response
        finally:
            writer.close()

    return await asyncio.wait_for(go(), timeout)


class Pool:
    """At most ``size`` kept-alive connections; a request waits for a free one."""

    # Below gunicorn's keep-alive timeout (config/gunicorn.py: 5 s): an older idle
    # connection may be closing on the server's side just as a request goes out.
    IDLE_SECONDS = 4.0

    def __init__(self, host, port, size=32):
        self.host, self.port = host, port
        self.idle: collections.deque = collections.deque()
        self.slots = asyncio.Semaphore(size)
        self.opened = 0

    async def _connect(self):
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, *, headers=None, timeout=30.0) -> Response:
        async with self.slots:
            return await asyncio.wait_for(self._send(method, path, headers), timeout)

    def _take_idle(self):
        """A kept-alive connection that the server has not timed out yet, or None."""
        while self.idle:
            reader, writer, since = self.idle.popleft()
            if time.monotonic() - since < self.IDLE_SECONDS:
                return reader, writer
            writer.close()
        return None

    async def _send(self, method, path, headers):
        data = _request_bytes(method, path, self.host, self.port, headers, b"", close=False)
        for attempt in (0, 1):
            idle = self._take_idle() if attempt == 0 else None
            reused = idle is not None
            reader, writer = idle if reused else await self._connect()
            try:
                writer.write(data)
                response, keep = await _read_response(reader, method)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                if reused and attempt == 0:
                    continue  # the server closed the idle connection: once more, fresh
                raise
            except BaseException:
                writer.close()
                raise
            if keep:
                self.idle.append((reader, writer, time.monotonic()))
            else:
                writer.close()
            return response
        raise ConnectionError("unreachable")
