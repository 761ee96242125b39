"""An independent WebSocket peer for golws's integration tests.

Drives Debian's python3-websockets (10.x) against a golws server and prints
one JSON object: {"ok": true, ...facts} or {"ok": false, "error": "..."}.
Run with /usr/bin/python3, the interpreter that sees Debian's modules.

usage: wsclient.py CHECK URL [ARGS...]
"""
import asyncio
import json
import os
import sys

import websockets
from websockets.frames import OP_TEXT

TIMEOUT = 10


def payload(n, text):
    if text:
        return ("golws-\u00e9\u20ac" * (n // 10 + 1))[: max(n // 2, 0)] if n else ""
    return os.urandom(n)


async def echo(url, sizes):
    checked = 0
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        for n in sizes:
            for text in (True, False):
                msg = payload(n, text)
                await ws.send(msg)
                got = await asyncio.wait_for(ws.recv(), TIMEOUT)
                if got != msg:
                    raise AssertionError(f"echo of {len(msg)} {'text' if text else 'binary'}: got {len(got)} back")
                checked += 1
    return {"checked": checked}


async def fragments(url):
    async with websockets.connect(url, max_size=None) as ws:
        parts = ["frag", "mented ", "t\u00e9xt", ""]
        await ws.send(parts)  # an iterable is sent as one fragmented message
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        if got != "".join(parts):
            raise AssertionError(f"text fragments came back as {got!r}")
        bparts = [os.urandom(3000) for _ in range(5)]
        await ws.send(bparts)
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        if got != b"".join(bparts):
            raise AssertionError("binary fragments came back different")
    return {"fragments": len(parts) + len(bparts)}


async def close(url, code, reason):
    async with websockets.connect(url) as ws:
        await ws.close(int(code), reason)
        return {"close_code": ws.close_code, "close_reason": ws.close_reason}


async def bad_utf8(url):
    async with websockets.connect(url) as ws:
        await ws.write_frame(True, OP_TEXT, b"ok \xff\xfe not utf-8")
        try:
            got = await asyncio.wait_for(ws.recv(), TIMEOUT)
            raise AssertionError(f"server echoed invalid UTF-8: {got!r}")
        except websockets.ConnectionClosed as e:
            return {"close_code": e.rcvd.code if e.rcvd else None}


async def closeme(url):
    async with websockets.connect(url, subprotocols=["dumb-increment-protocol"]) as ws:
        await ws.send("closeme\n")
        try:
            while True:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed as e:
            return {"close_code": e.rcvd.code if e.rcvd else None,
                    "close_reason": e.rcvd.reason if e.rcvd else None}


async def subprotocol(url, *offer):
    async with websockets.connect(url, subprotocols=list(offer) or None) as ws:
        first = await asyncio.wait_for(ws.recv(), TIMEOUT)
        return {"subprotocol": ws.subprotocol, "first": first}


async def refused(url, *offer):
    try:
        async with websockets.connect(url, subprotocols=list(offer)):
            pass
    except websockets.InvalidStatusCode as e:
        return {"status": e.status_code}
    raise AssertionError("upgrade with an unknown subprotocol was accepted")


async def compression(url):
    async with websockets.connect(url, compression="deflate", max_size=None) as ws:
        names = [e.name for e in ws.extensions]
        msg = "compressible " * 10000
        await ws.send(msg)
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        if got != msg:
            raise AssertionError("compressed echo differs")
        return {"extensions": names}


async def counter(url, n):
    async with websockets.connect(url, subprotocols=["dumb-increment-protocol"]) as ws:
        got = [int(await asyncio.wait_for(ws.recv(), TIMEOUT)) for _ in range(int(n))]
        await ws.send("reset\n")
        for _ in range(10):
            if int(await asyncio.wait_for(ws.recv(), TIMEOUT)) == 0:
                return {"numbers": got, "reset": True}
        return {"numbers": got, "reset": False}


CHECKS = {
    "echo": lambda url, *a: echo(url, [int(x) for x in a]),
    "fragments": fragments,
    "close": close,
    "bad_utf8": bad_utf8,
    "closeme": closeme,
    "subprotocol": subprotocol,
    "refused": refused,
    "compression": compression,
    "counter": counter,
}


def main():
    check, url, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    try:
        result = asyncio.run(asyncio.wait_for(CHECKS[check](url, *args), 60))
        result["ok"] = True
    except Exception as e:  # report, do not crash: the Go test reads the JSON
        result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
