"""Full duplex against golws's ws-duplex server (-mode server).

Drives Debian's python3-websockets (10.x): one connection, two concurrent
tasks, one sending SIZE-byte binary messages as fast as it can, one
receiving the server's messages. It stops once both directions have moved
BYTES, or after SECONDS, or as soon as a whole second passes in which a
direction that should move moved nothing (stalled), and prints one JSON
object:
{"ok": true, "sent": N, "received": N, "seconds": S, "stalled": bool} or
{"ok": false, "error": "..."}. Run with /usr/bin/python3, the interpreter
that sees Debian's modules.

With "held", the receiver starts reading only once BYTES have been sent:
until then this peer reads nothing (websockets stops reading the socket
when its queue of 32 messages is full), so the server's sends wait, and
the server must go on receiving all the same.

usage: duplex.py URL SECONDS BYTES [SIZE] [held]
"""
import asyncio
import json
import os
import sys
import time

import websockets


async def duplex(url, seconds, want, size, held):
    msg = os.urandom(size)
    sent = received = 0
    reading = asyncio.Event()
    if not held:
        reading.set()
    ws = await asyncio.wait_for(
        websockets.connect(url, subprotocols=["lws-duplex"], max_size=None,
                           max_queue=32, compression=None, close_timeout=2),
        10)

    async def send():
        nonlocal sent
        while True:
            await ws.send(msg)
            sent += len(msg)
            # send() returns without yielding while the socket takes
            # everything: yield, or the receiver never runs.
            await asyncio.sleep(0)

    async def receive():
        nonlocal received
        await reading.wait()
        while True:
            received += len(await ws.recv())

    sender = asyncio.create_task(send())
    receiver = asyncio.create_task(receive())
    start = time.monotonic()
    stalled = False
    last_sent, last_received, was_reading = 0, 0, reading.is_set()
    while time.monotonic() - start < seconds:
        done, _ = await asyncio.wait([sender, receiver], timeout=1)
        if done:  # a task can only end by failing: the connection ended
            sender.cancel()
            receiver.cancel()
            raise done.pop().exception()
        if sent >= want and received >= want:
            break
        if sent == last_sent or (was_reading and received == last_received):
            stalled = True
            break
        if sent >= want:
            reading.set()
        last_sent, last_received, was_reading = sent, received, reading.is_set()
    result = {"sent": sent, "received": received,
              "seconds": round(time.monotonic() - start, 3), "stalled": stalled}

    # Stop sending, then close while the receiver goes on draining what the
    # server still sends, so that its close frame can arrive.
    sender.cancel()
    reading.set()
    try:
        await asyncio.wait_for(ws.close(), 10)
    except asyncio.TimeoutError:
        ws.transport.abort()
    receiver.cancel()
    await asyncio.gather(sender, receiver, return_exceptions=True)
    return result


def main():
    url, seconds, want = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 64 << 10
    held = len(sys.argv) > 5 and sys.argv[5] == "held"
    try:
        result = asyncio.run(asyncio.wait_for(duplex(url, seconds, want, size, held), seconds + 30))
        result["ok"] = True
    except Exception as e:  # report, do not crash: the Go test reads the JSON
        result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
