"""The HTTP port's guards as flags (issue 16): ``--http.corsdomain``, ``--http.vhosts``,
``--rpc.max-request-size``, ``--rpc.batch-request-limit`` and ``--rpc.batch-response-max-size``
on ``ethrex --dev`` started from the command line, each seen from a client; and the defaults
(geth's) when no flag is given."""

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.harness import ethrex_node

CALL = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}


def post(url: str, payload: Any, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One POST; the status, the reply's headers and body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    body = raw if raw is not None else json.dumps(payload).encode()
    conn.request("POST", "/", body=body,
                 headers={"Content-Type": "application/json", **(headers or {})})
    reply = conn.getresponse()
    out = (reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
    conn.close()
    return out


def batch(size: int, method: str = "eth_chainId", params: list[Any] | None = None) -> list[Any]:
    return [{**CALL, "id": i, "method": method, "params": params or []} for i in range(size)]


def test_the_guard_flags_reach_the_http_port() -> None:
    with ethrex_node("--dev", "--http.corsdomain", "https://app.example",
                     "--http.vhosts", "node.example,other.example",
                     "--rpc.max-request-size", "0.00390625",  # MB (reth's unit): 4096 bytes
                     "--rpc.batch-request-limit", "3",
                     "--rpc.batch-response-max-size", "3000") as node:
        url = node.http_url
        # CORS: the listed origin is allowed, another gets no grant
        status, headers, _ = post(url, CALL, {"Origin": "https://app.example"})
        assert status == 200 and headers["access-control-allow-origin"] == "https://app.example"
        status, headers, _ = post(url, CALL, {"Origin": "https://evil.example"})
        assert status == 200 and "access-control-allow-origin" not in headers
        # vhosts: a listed name and an IP address pass, another name is refused
        assert post(url, CALL, {"Host": "node.example"})[0] == 200
        assert post(url, CALL, {"Host": "127.0.0.1"})[0] == 200
        status, _, body = post(url, CALL, {"Host": "localhost"})
        assert status == 403 and b"invalid host" in body
        # body size: 4096 bytes go through, one more does not
        padding = json.dumps(CALL).encode()
        fits = padding[:-1] + b" " * (4096 - len(padding)) + b"}"
        assert len(fits) == 4096 and post(url, None, raw=fits)[0] == 200
        status, _, body = post(url, None, raw=fits[:-1] + b" }")
        assert status == 413 and "the limit is 4096 bytes" in json.loads(body)["error"]["message"]
        # batch length: 3 requests answered, 4 refused as a whole
        status, _, body = post(url, batch(3))
        assert status == 200 and [r["result"] for r in json.loads(body)] == ["0x7a69"] * 3
        error = json.loads(post(url, batch(4))[2])["error"]
        assert "batch too large: 4 requests, the limit is 3" in error["message"]
        # batch reply size: the genesis block (a reply of some 1.7 KB) fits in 3000 bytes once;
        # the replies past the limit become errors
        one = post(url, batch(1, "eth_getBlockByNumber", ["0x0", False]))[2]
        assert 1500 < len(one) < 3000
        replies = json.loads(post(url, batch(3, "eth_getBlockByNumber", ["0x0", False]))[2])
        assert replies[0]["result"]["number"] == "0x0"
        assert [r["error"]["message"] for r in replies[1:]] == ["batch response too large"] * 2


def test_without_flags_the_http_port_keeps_geths_defaults() -> None:
    with ethrex_node("--dev") as node:
        url = node.http_url
        status, headers, _ = post(url, CALL, {"Origin": "https://app.example"})
        assert status == 200 and "access-control-allow-origin" not in headers  # no origins
        assert post(url, CALL, {"Host": "localhost"})[0] == 200
        assert post(url, CALL, {"Host": "node.example"})[0] == 403
        assert post(url, batch(1000))[0] == 200
        assert "batch too large" in json.loads(post(url, batch(1001))[2])["error"]["message"]
        status, _, body = post(url, None, raw=b" " * (5 * 1024 * 1024 + 1))
        assert status == 413 and "the limit is 5242880 bytes" in body.decode()
