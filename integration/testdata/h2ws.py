#!/usr/bin/env python3
"""A WebSocket client over HTTP/2 (RFC 8441) written with python3-h2 by hand:
h2c with prior knowledge, extended CONNECT on several streams of one
connection, RFC 6455 frames (masked) as DATA. Prints a JSON line of facts.

usage: h2ws.py HOST PORT STREAMS SUBPROTOCOL
"""
import json, os, socket, struct, sys

import h2.config, h2.connection, h2.events, h2.exceptions, h2.settings


def frame(op, payload, fin=True):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | op])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def parse(buf):
    """Returns (opcode, payload, rest) or None when buf holds no whole frame."""
    if len(buf) < 2:
        return None
    op, n = buf[0] & 0x0F, buf[1] & 0x7F
    off = 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, off = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, off = struct.unpack("!Q", buf[2:10])[0], 10
    if len(buf) < off + n:
        return None
    return op, buf[off:off + n], buf[off + n:]


def main():
    host, port, streams, subprotocol = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    facts = {"ok": False}
    sock = socket.create_connection((host, port), timeout=20)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    settings = {}

    def pump(until):
        while not until():
            data = sock.recv(65536)
            if not data:
                raise Exception("connection closed")
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.RemoteSettingsChanged):
                    for k, v in ev.changed_settings.items():
                        settings[int(k)] = v.new_value
                elif isinstance(ev, h2.events.ResponseReceived):
                    st = state[ev.stream_id]
                    st["status"] = dict(ev.headers).get(b":status", b"").decode()
                    st["headers"] = {k.decode(): v.decode() for k, v in ev.headers}
                elif isinstance(ev, h2.events.DataReceived):
                    state[ev.stream_id]["buf"] += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    state[ev.stream_id]["ended"] = True
                elif isinstance(ev, h2.events.StreamReset):
                    state[ev.stream_id]["reset"] = True
            sock.sendall(conn.data_to_send())

    state = {}
    pump(lambda: 8 in settings)
    facts["enable_connect_protocol"] = settings.get(8)
    ids = []
    for i in range(streams):
        sid = conn.get_next_available_stream_id()
        state[sid] = {"buf": b"", "ended": False, "reset": False}
        conn.send_headers(sid, [
            (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
            (":path", "/"), (":authority", "%s:%d" % (host, port)),
            ("sec-websocket-version", "13"), ("sec-websocket-protocol", subprotocol),
        ])
        ids.append(sid)
    sock.sendall(conn.data_to_send())
    pump(lambda: all("status" in state[s] for s in ids))
    facts["statuses"] = [state[s]["status"] for s in ids]
    facts["subprotocol"] = state[ids[0]]["headers"].get("sec-websocket-protocol")
    # An echo on every stream, each with a payload of its own.
    for i, sid in enumerate(ids):
        conn.send_data(sid, frame(0x2, bytes([i % 256]) * (1000 + i)))
    sock.sendall(conn.data_to_send())

    def whole(sid):
        return parse(state[sid]["buf"]) is not None
    pump(lambda: all(whole(s) for s in ids))
    echoed = 0
    for i, sid in enumerate(ids):
        op, payload, rest = parse(state[sid]["buf"])
        state[sid]["buf"] = rest
        if op == 2 and payload == bytes([i % 256]) * (1000 + i):
            echoed += 1
    facts["echoed"] = echoed
    # Close the first WebSocket with 4001: the server answers 4001 and ends
    # the stream; the others stay open.
    first = ids[0]
    conn.send_data(first, frame(0x8, struct.pack("!H", 4001) + b"bye"))
    sock.sendall(conn.data_to_send())
    pump(lambda: whole(first))
    op, payload, _ = parse(state[first]["buf"])
    facts["close_answer"] = struct.unpack("!H", payload[:2])[0] if op == 8 and len(payload) >= 2 else None
    # The server ends its side with END_STREAM; once its handler is done it
    # may also reset our side (RST_STREAM NO_ERROR, RFC 9113 8.1), which can
    # come in the same read as the close answer.
    try:
        conn.end_stream(first)
    except h2.exceptions.StreamClosedError:
        pass
    sock.sendall(conn.data_to_send())
    pump(lambda: state[first]["ended"] or state[first]["reset"])
    # A ping on the last stream is answered with a pong.
    last = ids[-1]
    conn.send_data(last, frame(0x9, b"hi"))
    sock.sendall(conn.data_to_send())
    pump(lambda: whole(last))
    op, payload, rest = parse(state[last]["buf"])
    state[last]["buf"] = rest
    facts["pong"] = op == 0xA and payload == b"hi"
    conn.send_data(last, frame(0x1, b"after close"))
    sock.sendall(conn.data_to_send())
    pump(lambda: whole(last))
    op, payload, _ = parse(state[last]["buf"])
    facts["still_open"] = payload == b"after close"
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()
    facts["ok"] = True
    print(json.dumps(facts))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # reported as a fact
        print(json.dumps({"ok": False, "error": repr(e)}))
