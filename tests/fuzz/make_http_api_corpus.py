#!/usr/bin/env python3
"""Writes the seed corpus for the http_api fuzz target.

Each seed is the bytes a client would put on the control API's socket: one
HTTP/1.1 request. They cover every route and a few commands, both body
framings, and the hostile cases of issue 9: deep JSON nesting, request
smuggling framings (CL+TE, two Content-Lengths, obs-fold, bare CR/LF,
unknown codings), a huge Content-Length, a chunk over the cap, a foreign
Host or Origin, cross-site fetches and form posts. Run from anywhere;
writes tests/fuzz/corpus/http_api/. Standard library only.
"""

import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "corpus" / "http_api"
HOST = b"Host: 127.0.0.1:8004\r\n"


def get(path, extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\n" + HOST + extra + b"\r\n"


def post(body, ctype=b"application/json", extra=b""):
    return (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Type: " + ctype + b"\r\n" +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


def chunked(body, extra=b""):
    head = b"POST / HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
    head += b"Transfer-Encoding: chunked\r\n" + extra + b"\r\n"
    chunks = b""
    for i in range(0, len(body), 7):
        part = body[i:i + 7]
        chunks += b"%x\r\n" % len(part) + part + b"\r\n"
    return head + chunks + b"0\r\n\r\n"


def deep(n, inner=b"1"):
    return b"[" * n + inner + b"]" * n


SEEDS = {
    "get_page": get(b"/"),
    "head_page": b"HEAD / HTTP/1.1\r\n" + HOST + b"\r\n",
    "get_metrics": get(b"/metrics"),
    "get_status": get(b"/api/status"),
    "get_subnets": get(b"/api/subnets"),
    "get_events": get(b"/api/events?kinds=nak,declined&limit=5"),
    "get_leases": get(b"/api/leases?q=02%3Acc&limit=lots"),
    "get_history": get(b"/api/history?client=02:cc:00:00:00:01"),
    "get_missing": get(b"/nothing"),
    "put_root": b"PUT / HTTP/1.1\r\n" + HOST + b"Content-Length: 0\r\n\r\n",
    "post_version": post(b'{"command": "version-get"}'),
    "post_list": post(b'{"command": "list-commands"}', b"application/json; charset=utf-8"),
    "post_service": post(b'{"command": "status-get", "service": ["dhcp4"]}'),
    "post_lease_add": post(b'{"command": "lease4-add", "arguments": '
                           b'{"ip-address": "198.18.1.101", "hw-address": "02:cc:00:00:00:01"}}'),
    "post_get_all": post(b'{"command": "lease4-get-all", "arguments": {"subnets": [1]}}'),
    "post_page": post(b'{"command": "lease4-get-page", "arguments": {"from": "start", "limit": 2}}'),
    "post_statistic": post(b'{"command": "statistic-get", "arguments": {"name": "pkt4-received"}}'),
    "post_config_test": post(b'{"command": "config-test", "arguments": {"source": '
                             b'"{\\"Dhcp4\\": {\\"subnet4\\": []}}"}}'),
    "post_bad_json": post(b'{"command": '),
    "post_expect": post(b'{"command": "version-get"}', extra=b"Expect: 100-continue\r\n"),
    "deep_service": post(b'{"command": "version-get", "service": ' + deep(50000) + b"}"),
    "deep_subnets": post(b'{"command": "lease4-get-all", "arguments": {"subnets": ' +
                         deep(50000) + b"}}"),
    "deep_config_test": post(b'{"command": "config-test", "arguments": {"Dhcp4": ' +
                             deep(50000, b"{}") + b"}}"),
    "deep_source": post(b'{"command": "config-test", "arguments": {"source": "' +
                        deep(5000) + b'"}}'),
    "at_depth_bound": post(b'{"command": "version-get", "service": ' + deep(63) + b"}"),
    "chunked_version": chunked(b'{"command": "version-get"}'),
    "chunked_ext_trailer": (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
                            b"Transfer-Encoding: chunked\r\n\r\n1a;name=value\r\n"
                            b'{"command": "version-get"}\r\n0\r\nX-Trailer: t\r\n\r\n'),
    "chunk_over_cap": (b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\n"
                       b"400001\r\nxx"),
    "huge_content_length": (b"POST / HTTP/1.1\r\n" + HOST +
                            b"Content-Length: 99999999999\r\n\r\n{}"),
    "smuggle_cl_te": (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 4\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n"),
    "smuggle_two_cl": (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 2\r\n"
                       b"Content-Length: 30\r\n\r\n{}"),
    "smuggle_te_gzip": (b"POST / HTTP/1.1\r\n" + HOST +
                        b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    "smuggle_obs_fold": (b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding:\r\n chunked\r\n\r\n"
                         b"0\r\n\r\n"),
    "smuggle_bare_lf": b"GET / HTTP/1.1\n" + HOST + b"\n",
    "smuggle_bare_cr": b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8004\rX: y\r\n\r\n",
    "smuggle_space_colon": (b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length : 2\r\n\r\n{}"),
    "bad_host": get(b"/api/status").replace(b"127.0.0.1:8004", b"rebind.example:8004"),
    "no_host": b"GET /api/status HTTP/1.0\r\n\r\n",
    "bad_origin": post(b'{"command": "shutdown"}', extra=b"Origin: http://evil.example\r\n"),
    "null_origin": get(b"/metrics", b"Origin: null\r\n"),
    "own_origin": get(b"/api/status", b"Origin: http://localhost:8004\r\n"),
    "cross_site_fetch": get(b"/api/leases", b"Sec-Fetch-Site: cross-site\r\n"),
    "form_post": post(b"command=shutdown", b"application/x-www-form-urlencoded"),
    "text_post": post(b'{"command": "shutdown"}', b"text/plain"),
    "basic_auth": get(b"/api/status", b"Authorization: Basic YWRtaW46czNjcmV0\r\n"),
    "http2_version": b"GET / HTTP/2.0\r\n" + HOST + b"\r\n",
    "absolute_target": b"GET http://127.0.0.1:8004/ HTTP/1.1\r\n" + HOST + b"\r\n",
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
