package conn_test

// An Autobahn-testsuite-style conformance table for the server side of the
// WebSocket frame layer. There is no Autobahn here, so the cases are written
// out by hand against an echo session running in the engine, each on its own
// connection; the Autobahn case numbers are in the subtest names (a trailing
// "+" marks a case that is not Autobahn's but belongs to that section).
//
// Every case that ends the connection checks the close code and that the
// server closes TCP within abEndWithin of its close frame without the client
// answering it; every case that does not ends with a close handshake begun by
// the client, which checks that nothing unexpected came back before it.

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// abEcho is the echo session of the conformance cases: it reassembles each
// message from its chunks and writes it back whole with the same type, in
// one write in one Writeable. Rx is off while a message waits to go back.
type abEcho struct {
	msg   []byte
	typ   conn.MessageType
	ready bool
}

func newABEcho(*conn.Conn) conn.Session { return new(abEcho) }

func (e *abEcho) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.First {
		e.msg, e.typ = e.msg[:0], in.Type
	} else if in.Type != e.typ {
		return fmt.Errorf("chunk of type %v continues a %v message", in.Type, e.typ)
	}
	e.msg = append(e.msg, in.Data...)
	if in.Final {
		e.ready = true
		c.SetRx(false)
		c.RequestWritable()
	}
	return nil
}

func (e *abEcho) Writeable(c *conn.Conn) error {
	if !e.ready {
		return nil // not asked for by us
	}
	e.ready = false
	c.SetRx(true)
	return c.Write(e.typ, e.msg)
}

// Frame bits and opcodes as the client writes them.
const (
	abFin  = 0x80
	abRSV1 = 0x40
	abRSV2 = 0x20
	abRSV3 = 0x10

	abCont   = 0x0
	abText   = 0x1
	abBinary = 0x2
	abClose  = 0x8
	abPing   = 0x9
	abPong   = 0xA
)

const (
	// abTimeout bounds every wait for the server.
	abTimeout = 5 * time.Second
	// abEndWithin is how soon after its close frame the server must have
	// closed the TCP connection.
	abEndWithin = 500 * time.Millisecond
	// abFailFast bounds the wait for a close that must come before the
	// client sends the rest of a message.
	abFailFast = 2 * time.Second
)

// abFrame is one masked client frame; b0 is its first byte (FIN, RSV bits
// and opcode).
func abFrame(b0 byte, payload []byte) []byte {
	out := make([]byte, 0, 14+len(payload)) // 14: the longest header
	out = append(out, b0)
	switch n := len(payload); {
	case n < 126:
		out = append(out, 0x80|byte(n))
	case n <= 0xFFFF:
		out = append(out, 0x80|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, 0x80|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], rand.Uint32())
	out = append(out, key[:]...)
	start := len(out)
	out = append(out, payload...)
	p := out[start:]
	k64 := uint64(binary.LittleEndian.Uint32(key[:])) * 0x100000001
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k64)
	}
	for ; i < len(p); i++ {
		p[i] ^= key[i&3]
	}
	return out
}

// abMsg is a whole message in one frame.
func abMsg(op byte, payload []byte) []byte { return abFrame(abFin|op, payload) }

// abFrags is a message of type op in fragments with the given payloads.
func abFrags(op byte, parts ...[]byte) [][]byte {
	frames := make([][]byte, len(parts))
	for i, p := range parts {
		b0 := byte(abCont)
		if i == 0 {
			b0 = op
		}
		if i == len(parts)-1 {
			b0 |= abFin
		}
		frames[i] = abFrame(b0, p)
	}
	return frames
}

// abSplit cuts p before each of the offsets, which ascend.
func abSplit(p []byte, cuts ...int) [][]byte {
	var parts [][]byte
	prev := 0
	for _, c := range cuts {
		parts = append(parts, p[prev:c])
		prev = c
	}
	return append(parts, p[prev:])
}

// abChunks cuts p into pieces of size bytes (the last may be shorter); an
// empty p is one empty piece.
func abChunks(p []byte, size int) [][]byte {
	var parts [][]byte
	for len(p) > size {
		parts = append(parts, p[:size])
		p = p[size:]
	}
	return append(parts, p)
}

func closePayloadAB(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// abTextOf is ASCII text of exactly n bytes whose bytes vary, so that a
// masking error at any offset shows.
func abTextOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// abBinaryOf is n random bytes.
func abBinaryOf(n int) []byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], rand.Uint64())
	b := make([]byte, n)
	rand.NewChaCha8(seed).Read(b)
	return b
}

// abUTF8Of is valid text of about n bytes (at most n) made of 1- to 4-byte
// runes, so that cuts at arbitrary offsets fall inside code points.
func abUTF8Of(n int) []byte {
	const sample = "héllo wörld € 𝄞 κόσμε 日本語 😀 "
	b := bytes.Repeat([]byte(sample), n/len(sample)+1)[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

// chop says how the client hands a case's frames to TCP.
type chop int

const (
	oneChop   chop = iota // all frames in one write
	frameWise             // one write per frame
	octetWise             // one write per byte
)

// abConn is the raw client of one case.
type abConn struct {
	t          *testing.T
	rc         *rawClient
	compressed bool // permessage-deflate was negotiated: RSV1 may be set
}

// abDial connects a raw client to s, offering header (lines ending in
// "\r\n", or "").
func abDial(t *testing.T, s *server, header string) *abConn {
	t.Helper()
	return &abConn{t: t, rc: dialRaw(t, s, header), compressed: header != ""}
}

// send writes the frames as chop says.
func (a *abConn) send(how chop, frames ...[]byte) {
	a.t.Helper()
	switch how {
	case oneChop:
		a.write(bytes.Join(frames, nil))
	case frameWise:
		for _, f := range frames {
			a.write(f)
		}
	case octetWise:
		for _, f := range frames {
			for i := range f {
				a.write(f[i : i+1])
			}
		}
	}
}

// sendToFail is send for frames that make the server fail the connection:
// it stops at the first write that fails, since the server may close before
// the client has sent everything (octet-wise chops especially).
func (a *abConn) sendToFail(how chop, frames ...[]byte) {
	a.t.Helper()
	var writes [][]byte
	switch how {
	case oneChop:
		writes = [][]byte{bytes.Join(frames, nil)}
	case frameWise:
		writes = frames
	case octetWise:
		for _, f := range frames {
			for i := range f {
				writes = append(writes, f[i:i+1])
			}
		}
	}
	for _, w := range writes {
		a.rc.SetWriteDeadline(time.Now().Add(abTimeout))
		if _, err := a.rc.Write(w); err != nil {
			if isTimeout(err) {
				a.t.Fatalf("sending: %v", err)
			}
			return // the server has closed the connection
		}
	}
}

// sendIn writes b in pieces of size bytes.
func (a *abConn) sendIn(size int, b []byte) {
	a.t.Helper()
	for _, p := range abChunks(b, size) {
		a.write(p)
	}
}

func (a *abConn) write(b []byte) {
	a.t.Helper()
	a.rc.SetWriteDeadline(time.Now().Add(abTimeout))
	if _, err := a.rc.Write(b); err != nil {
		a.t.Fatalf("sending %d bytes: %v", len(b), err)
	}
}

// abIn is a frame from the server.
type abIn struct {
	b0      byte
	payload []byte
}

func (f abIn) op() byte   { return f.b0 & 0x0F }
func (f abIn) fin() bool  { return f.b0&abFin != 0 }
func (f abIn) rsv1() bool { return f.b0&abRSV1 != 0 }

func (f abIn) String() string {
	s := fmt.Sprintf("%s frame (b0 %#02x) of %d bytes", abOpName(f.op()), f.b0, len(f.payload))
	if len(f.payload) <= 16 {
		s += fmt.Sprintf(" %q", f.payload)
	}
	return s
}

// readFrame reads one server frame, waiting at most until deadline.
func (a *abConn) readFrame(deadline time.Time) (abIn, error) {
	a.rc.SetReadDeadline(deadline)
	br := a.rc.br
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return abIn{}, err
	}
	f := abIn{b0: h[0]}
	if h[1]&0x80 != 0 {
		return f, errors.New("masked frame from the server")
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > 64<<20 {
		return f, fmt.Errorf("frame of %d bytes", n)
	}
	f.payload = make([]byte, n)
	_, err := io.ReadFull(br, f.payload)
	return f, err
}

// next reads the next frame, failing the test on error, on reserved bits
// and on opcodes a server may not send.
func (a *abConn) next(wait time.Duration) abIn {
	a.t.Helper()
	f, err := a.readFrame(time.Now().Add(wait))
	if err != nil {
		a.t.Fatalf("reading a frame: %v", err)
	}
	rsv := f.b0 & (abRSV1 | abRSV2 | abRSV3)
	dataStart := f.op() == abText || f.op() == abBinary
	if rsv != 0 && !(rsv == abRSV1 && a.compressed && dataStart) {
		a.t.Fatalf("server sent %v with reserved bits %#02x", f, rsv)
	}
	switch f.op() {
	case abCont, abText, abBinary, abClose, abPing, abPong:
	default:
		a.t.Fatalf("server sent %v", f)
	}
	if f.op() >= abClose && (!f.fin() || len(f.payload) > 125) {
		a.t.Fatalf("server sent a bad control frame: %v", f)
	}
	return f
}

// expectMessage reads the next message, which must be of type op with
// payload want; no control frame may come before or inside it.
func (a *abConn) expectMessage(op byte, want []byte) {
	a.t.Helper()
	a.expectMessageWithin(abTimeout, op, want)
}

func (a *abConn) expectMessageWithin(wait time.Duration, op byte, want []byte) {
	a.t.Helper()
	f := a.next(wait)
	if f.op() != op {
		a.t.Fatalf("got %v, want a %s message of %d bytes", f, abOpName(op), len(want))
	}
	compressed := f.rsv1()
	got := f.payload
	for !f.fin() {
		f = a.next(wait)
		if f.op() != abCont {
			a.t.Fatalf("got %v inside a fragmented %s message", f, abOpName(op))
		}
		got = append(got, f.payload...)
	}
	if compressed {
		var err error
		if got, err = abInflate(got); err != nil {
			a.t.Fatalf("echo does not inflate: %v", err)
		}
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		a.t.Fatalf("%s echo of %d bytes: got %d bytes, first difference at offset %d", abOpName(op), len(want), len(got), i)
	}
}

func abOpName(op byte) string {
	switch op {
	case abCont:
		return "continuation"
	case abText:
		return "text"
	case abBinary:
		return "binary"
	case abClose:
		return "close"
	case abPing:
		return "ping"
	case abPong:
		return "pong"
	}
	return fmt.Sprintf("opcode %d", op)
}

// expectPong reads the next frame, which must be a pong with payload.
func (a *abConn) expectPong(payload []byte) {
	a.t.Helper()
	f := a.next(abTimeout)
	if f.op() != abPong || !bytes.Equal(f.payload, payload) {
		a.t.Fatalf("got %v, want a pong with %q", f, payload)
	}
}

// expectClose reads the next frame, which must be a close frame with one of
// codes (1005: no payload), and then checks that the server closes the TCP
// connection within abEndWithin, sending nothing more, without the client
// answering. It returns the close frame's payload.
func (a *abConn) expectClose(codes ...int) []byte {
	a.t.Helper()
	return a.expectCloseWithin(abTimeout, codes...)
}

func (a *abConn) expectCloseWithin(wait time.Duration, codes ...int) []byte {
	a.t.Helper()
	f := a.next(wait)
	if f.op() != abClose {
		a.t.Fatalf("got %v, want a close frame with %v", f, codes)
	}
	code := 1005
	switch len(f.payload) {
	case 0:
	case 1:
		a.t.Fatalf("close frame with a 1-byte payload")
	default:
		code = int(binary.BigEndian.Uint16(f.payload))
		if !utf8.Valid(f.payload[2:]) {
			a.t.Errorf("close reason %q is not UTF-8", f.payload[2:])
		}
	}
	if !slices.Contains(codes, code) {
		a.t.Errorf("close code %d, want one of %v", code, codes)
	}
	a.expectEnd(time.Now())
	return f.payload
}

// expectEnd checks that the server closes TCP within abEndWithin of since
// and sends no frame before that.
func (a *abConn) expectEnd(since time.Time) {
	a.t.Helper()
	for {
		f, err := a.readFrame(since.Add(abEndWithin))
		switch {
		case err == nil:
			a.t.Errorf("%v after the close frame", f)
			continue
		case isTimeout(err):
			a.t.Fatalf("TCP connection still open %v after the server's close frame", abEndWithin)
		}
		return // EOF or reset: the server closed the connection
	}
}

// closeHandshake closes the connection normally from the client side: the
// server must answer with 1000 before anything else and end the connection.
func (a *abConn) closeHandshake() {
	a.t.Helper()
	a.send(oneChop, abMsg(abClose, closePayloadAB(1000, "")))
	a.expectClose(1000)
}

// abCase is one conformance case run on its own connection.
type abCase struct {
	name string
	run  func(a *abConn)
}

// abRun runs the cases in parallel against s, each on a new raw connection
// (offering header in its handshake).
func abRun(t *testing.T, s *server, header string, cases []abCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(abDial(t, s, header))
		})
	}
}

// abServer serves the echo session with the default options (no
// compression).
func abServer(t *testing.T) *server {
	t.Helper()
	return startServer(t, newABEcho, conn.Options{})
}

// echoCase sends frames as how says and expects the message back.
func echoCase(name string, how chop, op byte, want []byte, frames ...[]byte) abCase {
	return abCase{name: name, run: func(a *abConn) {
		a.send(how, frames...)
		a.expectMessage(op, want)
		a.closeHandshake()
	}}
}

// failCaseAB sends frames as how says and expects the echoes in want (in
// order), then a close with one of codes and the end of the connection.
func failCaseAB(name string, how chop, want []abEchoed, codes []int, frames ...[]byte) abCase {
	return abCase{name: name, run: func(a *abConn) {
		a.sendToFail(how, frames...)
		for _, w := range want {
			a.expectMessage(w.op, w.payload)
		}
		a.expectClose(codes...)
	}}
}

// abEchoed is a message failCaseAB expects back before the close.
type abEchoed struct {
	op      byte
	payload []byte
}

func echoed(op byte, payload string) abEchoed { return abEchoed{op, []byte(payload)} }

// abProtocolError is the close code of a protocol violation.
var abProtocolError = []int{1002}

// 1.x: framing, text and binary messages of every length class.
func TestAutobahnFraming(t *testing.T) {
	s := abServer(t)
	var cases []abCase
	for i, n := range []int{0, 125, 126, 127, 128, 65535, 65536} {
		text, bin := abTextOf(n), abBinaryOf(n)
		cases = append(cases,
			echoCase(fmt.Sprintf("1.1.%d text %d bytes", i+1, n), oneChop, abText, text, abMsg(abText, text)),
			echoCase(fmt.Sprintf("1.2.%d binary %d bytes", i+1, n), oneChop, abBinary, bin, abMsg(abBinary, bin)))
	}
	text, bin := abTextOf(65536), abBinaryOf(65536)
	cases = append(cases,
		abCase{name: "1.1.8 text 65536 bytes in chops of 997", run: func(a *abConn) {
			a.sendIn(997, abMsg(abText, text))
			a.expectMessage(abText, text)
			a.closeHandshake()
		}},
		abCase{name: "1.2.8 binary 65536 bytes in chops of 997", run: func(a *abConn) {
			a.sendIn(997, abMsg(abBinary, bin))
			a.expectMessage(abBinary, bin)
			a.closeHandshake()
		}})
	mtext, mbin := abUTF8Of(1<<20), abBinaryOf(1<<20)
	cases = append(cases,
		echoCase("1.1.x+ text 1 MiB", oneChop, abText, mtext, abMsg(abText, mtext)),
		echoCase("1.2.x+ binary 1 MiB", oneChop, abBinary, mbin, abMsg(abBinary, mbin)),
		abCase{name: "1.x+ several messages back to back in one chop", run: func(a *abConn) {
			msgs := [][]byte{abTextOf(3), abBinaryOf(200), nil, abBinaryOf(70000), abUTF8Of(300)}
			ops := []byte{abText, abBinary, abText, abBinary, abText}
			var frames [][]byte
			for i, m := range msgs {
				frames = append(frames, abMsg(ops[i], m))
			}
			a.send(oneChop, frames...)
			for i, m := range msgs {
				a.expectMessage(ops[i], m)
			}
			a.closeHandshake()
		}})
	abRun(t, s, "", cases)
}

// 2.x: pings and pongs.
func TestAutobahnPingPong(t *testing.T) {
	s := abServer(t)
	binPayload := []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}
	p125 := bytes.Repeat([]byte{0xfe}, 125)
	tenPings := func(how chop) func(a *abConn) {
		return func(a *abConn) {
			var frames [][]byte
			for i := range 10 {
				frames = append(frames, abMsg(abPing, fmt.Appendf(nil, "payload-%d", i)))
			}
			a.send(how, frames...)
			for i := range 10 {
				a.expectPong(fmt.Appendf(nil, "payload-%d", i))
			}
			a.closeHandshake()
		}
	}
	pingCase := func(name string, how chop, payload []byte) abCase {
		return abCase{name: name, run: func(a *abConn) {
			a.send(how, abMsg(abPing, payload))
			a.expectPong(payload)
			a.closeHandshake()
		}}
	}
	abRun(t, s, "", []abCase{
		pingCase("2.1 ping without payload", oneChop, nil),
		pingCase("2.2 ping with a small text payload", oneChop, []byte("Hello, world!")),
		pingCase("2.3 ping with a small binary payload", oneChop, binPayload),
		pingCase("2.4 ping with a 125-byte binary payload", oneChop, p125),
		failCaseAB("2.5 ping with a 126-byte payload", oneChop, nil, abProtocolError,
			abMsg(abPing, bytes.Repeat([]byte{0xfe}, 126))),
		pingCase("2.6 ping with a 125-byte payload in octet-wise chops", octetWise, p125),
		{name: "2.7 unsolicited pong without payload ignored", run: func(a *abConn) {
			a.send(oneChop, abMsg(abPong, nil))
			a.closeHandshake()
		}},
		{name: "2.8 unsolicited pong with payload ignored", run: func(a *abConn) {
			a.send(oneChop, abMsg(abPong, []byte("unsolicited pong payload")))
			a.closeHandshake()
		}},
		{name: "2.9 unsolicited pong, then ping answered", run: func(a *abConn) {
			a.send(oneChop, abMsg(abPong, []byte("unsolicited pong payload")), abMsg(abPing, []byte("ping payload")))
			a.expectPong([]byte("ping payload"))
			a.closeHandshake()
		}},
		{name: "2.10 ten pings in a row get ten pongs", run: tenPings(oneChop)},
		{name: "2.11 ten pings in a row in octet-wise chops get ten pongs", run: tenPings(octetWise)},
		{name: "2.x+ ping between messages answered in order", run: func(a *abConn) {
			a.send(oneChop, abMsg(abText, []byte("one")), abMsg(abPing, []byte("p")), abMsg(abBinary, []byte("two")))
			a.expectMessage(abText, []byte("one"))
			a.expectPong([]byte("p"))
			a.expectMessage(abBinary, []byte("two"))
			a.closeHandshake()
		}},
		failCaseAB("2.x+ pong with a 126-byte payload", oneChop, nil, abProtocolError,
			abMsg(abPong, bytes.Repeat([]byte{'x'}, 126))),
	})

	// Pings that arrive while an echo waits for a slow client. A small
	// socket buffer on each side keeps most of the echo in the server's
	// outbox, so the pongs queue behind it.
	slow := startABServer(t, websocket.CompressionDisabled, func(ws *conn.WebSocket) {
		ws.NetConn().(*net.TCPConn).SetWriteBuffer(32 << 10)
	})
	abRun(t, slow, "", []abCase{{
		name: "2.10+ ten 125-byte pings while an echo waits: the most recent answered",
		run: func(a *abConn) {
			a.rc.Conn.(*net.TCPConn).SetReadBuffer(32 << 10)
			msg := abBinaryOf(512 << 10)
			a.send(oneChop, abMsg(abBinary, msg))
			var pings [][]byte
			var frames [][]byte
			for i := range 10 {
				p := append(fmt.Appendf(nil, "ping %d ", i), bytes.Repeat([]byte{'.'}, 117)...)[:125]
				pings = append(pings, p)
				frames = append(frames, abMsg(abPing, p))
			}
			a.send(oneChop, append(frames, abMsg(abText, []byte("after")))...)
			a.expectMessage(abBinary, msg)
			// RFC 6455 5.5.2: every ping gets a pong; 5.5.3: an endpoint
			// that has not answered earlier pings yet may answer only the
			// most recent one. Either way the last pong is the last ping's.
			var pongs []string
			for {
				f := a.next(abTimeout)
				if f.op() != abPong {
					if f.op() != abText || string(f.payload) != "after" {
						a.t.Fatalf("got %v, want pongs, then the echo of \"after\"", f)
					}
					break
				}
				pongs = append(pongs, string(f.payload[:7]))
			}
			if len(pongs) == 0 || pongs[len(pongs)-1] != string(pings[9][:7]) {
				a.t.Errorf("pongs for %q; the last ping (%q) is not answered", pongs, pings[9][:7])
			}
			a.closeHandshake()
		},
	}})
}

// 3.x: reserved bits. No extension is negotiated, so RSV1 is as reserved as
// the others.
func TestAutobahnReservedBits(t *testing.T) {
	s := abServer(t)
	hello := []byte("Hello, world!")
	rsvThenPing := func(name string, how chop, rsv byte) abCase {
		return failCaseAB(name, how, []abEchoed{echoed(abText, "Hello, world!")}, abProtocolError,
			abMsg(abText, hello), abFrame(abFin|rsv|abText, hello), abMsg(abPing, nil))
	}
	abRun(t, s, "", []abCase{
		failCaseAB("3.1 text with RSV3", oneChop, nil, abProtocolError, abFrame(abFin|abRSV3|abText, hello)),
		rsvThenPing("3.2 text, text with RSV2, ping", oneChop, abRSV2),
		rsvThenPing("3.3 text, text with RSV2+RSV3, ping, frame-wise", frameWise, abRSV2|abRSV3),
		rsvThenPing("3.4 text, text with RSV1 without extension, ping, octet-wise", octetWise, abRSV1),
		failCaseAB("3.5 binary with RSV1+RSV3", oneChop, nil, abProtocolError, abFrame(abFin|abRSV1|abRSV3|abBinary, abBinaryOf(8))),
		failCaseAB("3.6 ping with RSV1+RSV2", oneChop, nil, abProtocolError, abFrame(abFin|abRSV1|abRSV2|abPing, hello)),
		failCaseAB("3.7 close with all RSV bits", oneChop, nil, abProtocolError, abFrame(abFin|abRSV1|abRSV2|abRSV3|abClose, closePayloadAB(1000, ""))),
		failCaseAB("3.x+ text with RSV1 without extension", oneChop, nil, abProtocolError, abFrame(abFin|abRSV1|abText, hello)),
		failCaseAB("3.x+ binary with RSV2", oneChop, nil, abProtocolError, abFrame(abFin|abRSV2|abBinary, hello)),
		failCaseAB("3.x+ RSV1 on a continuation frame", oneChop, nil, abProtocolError,
			abFrame(abText, []byte("a")), abFrame(abFin|abRSV1|abCont, []byte("b"))),
		failCaseAB("3.x+ RSV3 on a pong", oneChop, nil, abProtocolError, abFrame(abFin|abRSV3|abPong, nil)),
		failCaseAB("3.x+ RSV2 on an empty text frame", oneChop, nil, abProtocolError, abFrame(abFin|abRSV2|abText, nil)),
	})
}

// 4.x: reserved opcodes.
func TestAutobahnOpcodes(t *testing.T) {
	s := abServer(t)
	hello := []byte("Hello, world!")
	var cases []abCase
	for i, op := range []byte{3, 4, 5, 6, 7, 11, 12, 13, 14, 15} {
		n := fmt.Sprintf("4.%d.%d", i/5+1, i%5+1)
		switch i % 5 {
		case 0:
			cases = append(cases, failCaseAB(fmt.Sprintf("%s opcode %d", n, op), oneChop, nil, abProtocolError, abMsg(op, nil)))
		case 1:
			cases = append(cases, failCaseAB(fmt.Sprintf("%s opcode %d with payload", n, op), oneChop, nil, abProtocolError,
				abMsg(op, []byte("reserved opcode payload"))))
		default:
			var payload []byte
			if i%5 == 3 {
				payload = []byte("reserved opcode payload")
			}
			cases = append(cases, failCaseAB(fmt.Sprintf("%s text, opcode %d, ping", n, op), oneChop,
				[]abEchoed{echoed(abText, "Hello, world!")}, abProtocolError,
				abMsg(abText, hello), abMsg(op, payload), abMsg(abPing, nil)))
		}
	}
	// Reserved opcodes inside a fragmented message, and as non-final frames.
	cases = append(cases,
		failCaseAB("4.x+ opcode 3 between fragments", oneChop, nil, abProtocolError,
			abFrame(abText, []byte("a")), abMsg(3, nil), abFrame(abFin|abCont, []byte("b"))),
		failCaseAB("4.x+ opcode 11 between fragments", oneChop, nil, abProtocolError,
			abFrame(abText, []byte("a")), abMsg(11, nil), abFrame(abFin|abCont, []byte("b"))),
		failCaseAB("4.x+ non-final frame with opcode 7", oneChop, nil, abProtocolError, abFrame(7, []byte("x"))))
	abRun(t, s, "", cases)
}

// 5.x: fragmentation.
func TestAutobahnFragmentation(t *testing.T) {
	s := abServer(t)
	f1, f2 := []byte("fragment1"), []byte("fragment2")
	two := abFrags(abText, f1, f2)
	twoWithPing := [][]byte{two[0], abMsg(abPing, []byte("ping payload")), two[1]}
	pingInside := func(how chop) func(a *abConn) {
		return func(a *abConn) {
			a.send(how, twoWithPing...)
			a.expectPong([]byte("ping payload"))
			a.expectMessage(abText, []byte("fragment1fragment2"))
			a.closeHandshake()
		}
	}
	nothingToContinue := func(fin bool) []byte {
		b0 := byte(abCont)
		if fin {
			b0 |= abFin
		}
		return abFrame(b0, []byte("non-continuation payload"))
	}
	hello := abMsg(abText, []byte("Hello, world!"))
	fiveWithPings := func(how chop) func(a *abConn) {
		return func(a *abConn) {
			frags := abFrags(abText, []byte("fragment1"), []byte("fragment2"), []byte("fragment3"), []byte("fragment4"), []byte("fragment5"))
			// Each ping is answered while the message is still in
			// progress: the pong comes before the client sends more.
			a.send(how, frags[0], abMsg(abPing, []byte("pongme 1!")))
			a.expectPong([]byte("pongme 1!"))
			a.send(how, frags[1], frags[2], abMsg(abPing, []byte("pongme 2!")))
			a.expectPong([]byte("pongme 2!"))
			a.send(how, frags[3], frags[4])
			a.expectMessage(abText, []byte("fragment1fragment2fragment3fragment4fragment5"))
			a.closeHandshake()
		}
	}
	long := abUTF8Of(3000)
	var oneByteFrags [][]byte
	for i := range long {
		oneByteFrags = append(oneByteFrags, long[i:i+1])
	}
	cases := []abCase{
		failCaseAB("5.1 ping in 2 fragments", oneChop, nil, abProtocolError,
			abFrame(abPing, []byte("fragment1")), abFrame(abFin|abCont, []byte("fragment2"))),
		failCaseAB("5.2 pong in 2 fragments", oneChop, nil, abProtocolError,
			abFrame(abPong, []byte("fragment1")), abFrame(abFin|abCont, []byte("fragment2"))),
		echoCase("5.3 text in 2 fragments", oneChop, abText, []byte("fragment1fragment2"), two...),
		echoCase("5.4 text in 2 fragments, frame-wise", frameWise, abText, []byte("fragment1fragment2"), two...),
		echoCase("5.5 text in 2 fragments, octet-wise", octetWise, abText, []byte("fragment1fragment2"), two...),
		{name: "5.6 text in 2 fragments with a ping between", run: pingInside(oneChop)},
		{name: "5.7 text in 2 fragments with a ping between, frame-wise", run: pingInside(frameWise)},
		{name: "5.8 text in 2 fragments with a ping between, octet-wise", run: pingInside(octetWise)},
		failCaseAB("5.9 final continuation with nothing to continue, then text", oneChop, nil, abProtocolError,
			nothingToContinue(true), hello),
		failCaseAB("5.10 final continuation with nothing to continue, then text, frame-wise", frameWise, nil, abProtocolError,
			nothingToContinue(true), hello),
		failCaseAB("5.11 final continuation with nothing to continue, then text, octet-wise", octetWise, nil, abProtocolError,
			nothingToContinue(true), hello),
		failCaseAB("5.12 non-final continuation with nothing to continue, then text", oneChop, nil, abProtocolError,
			nothingToContinue(false), hello),
		failCaseAB("5.13 non-final continuation with nothing to continue, then text, frame-wise", frameWise, nil, abProtocolError,
			nothingToContinue(false), hello),
		failCaseAB("5.14 non-final continuation with nothing to continue, then text, octet-wise", octetWise, nil, abProtocolError,
			nothingToContinue(false), hello),
		failCaseAB("5.15 text in 2 fragments, then continuation with nothing to continue", oneChop,
			[]abEchoed{echoed(abText, "fragment1fragment2")}, abProtocolError,
			two[0], two[1], nothingToContinue(false), hello),
		failCaseAB("5.16 continuation, text fragment, final continuation, twice", oneChop, nil, abProtocolError,
			nothingToContinue(false), two[0], two[1], nothingToContinue(false), two[0], two[1]),
		failCaseAB("5.17 final continuation, text fragment, final continuation, twice", oneChop, nil, abProtocolError,
			nothingToContinue(true), two[0], two[1], nothingToContinue(true), two[0], two[1]),
		failCaseAB("5.18 text in 2 fragments both with the text opcode", oneChop, nil, abProtocolError,
			abFrame(abText, f1), abFrame(abFin|abText, f2)),
		{name: "5.19 text in 5 fragments with 2 pings between, answered while in progress", run: fiveWithPings(frameWise)},
		{name: "5.20 text in 5 fragments with 2 pings between, octet-wise", run: fiveWithPings(octetWise)},
		failCaseAB("5.x+ close in 2 fragments", oneChop, nil, abProtocolError,
			abFrame(abClose, closePayloadAB(1000, "")), abFrame(abFin|abCont, nil)),
		failCaseAB("5.x+ new binary message while a text message is in progress", oneChop, nil, abProtocolError,
			abFrame(abText, f1), abMsg(abBinary, f2)),
		echoCase("5.x+ 3000-byte text in 1-byte fragments", oneChop, abText, long, abFrags(abText, oneByteFrags...)...),
		echoCase("5.x+ binary with empty fragments", oneChop, abBinary, []byte("ab"),
			abFrags(abBinary, nil, []byte("a"), nil, nil, []byte("b"), nil)...),
		echoCase("5.x+ text of empty fragments only", oneChop, abText, []byte{},
			abFrags(abText, nil, nil, nil)...),
		{name: "5.x+ fragmented messages back to back", run: func(a *abConn) {
			a.send(oneChop, append(abFrags(abBinary, []byte("x"), []byte("y")), abFrags(abText, []byte("z"), nil, []byte("w"))...)...)
			a.expectMessage(abBinary, []byte("xy"))
			a.expectMessage(abText, []byte("zw"))
			a.closeHandshake()
		}},
	}
	abRun(t, s, "", cases)
}

// abValidUTF8 is text every fragmentation of which must be echoed.
var abValidUTF8 = []struct{ name, text string }{
	{"6.2 Hello-µ@ßöäüàá-UTF-8!!", "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"},
	{"6.5 κόσμε", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"},
	{"6.7 first code point of each length", "\x00 \xc2\x80 \xe0\xa0\x80 \xf0\x90\x80\x80"},
	{"6.9 last code point of each length", "\x7f \xdf\xbf \xef\xbf\xbf \xf4\x8f\xbf\xbf"},
	{"6.11 other boundaries", "\xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbd \xf4\x8f\xbf\xbf"},
	{"6.22 noncharacters", "\xef\xbf\xbe \xef\xbf\xbf \xf0\x9f\xbf\xbe \xf4\x8f\xbf\xbe"},
	{"6.23 U+FFFD", "\xef\xbf\xbd"},
	{"6.x+ mixed", "héllo € 𝄞 日本語 😀"},
}

// abInvalidUTF8 is text that must be refused with 1007. incomplete marks text
// that is invalid only because the message ends inside a code point: as a
// non-final fragment it must be accepted.
var abInvalidUTF8 = []struct {
	name       string
	text       string
	incomplete bool
	heldBack   bool // ends in an impossible start of a sequence, refused before the rest comes
}{
	{"6.3 κόσμε with a surrogate", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", false, false},
	{"6.8 5-byte sequence", "\xf8\x88\x80\x80\x80", false, false},
	{"6.8 6-byte sequence", "\xfc\x84\x80\x80\x80\x80", false, false},
	{"6.11 above U+10FFFF", "\xf4\x90\x80\x80", false, false},
	{"6.x+ F7 lead", "\xf7\xbf\xbf\xbf", false, false},
	{"6.12 first continuation byte", "\x80", false, false},
	{"6.12 last continuation byte", "\xbf", false, false},
	{"6.12 continuation bytes", "\x80\xbf\x80\xbf", false, false},
	{"6.13 lonely 2-byte start", "\xc2 ", false, false},
	{"6.13 lonely 3-byte start", "\xe0 ", false, false},
	{"6.13 lonely 4-byte start", "\xf0 ", false, false},
	{"6.14 C0 alone", "\xc0", false, false},
	{"6.14 overlong 3-byte missing its last byte", "\xe0\x80", false, true},
	{"6.14 overlong 4-byte missing its last byte", "\xf0\x80\x80", false, true},
	{"6.14 2-byte missing its last byte", "\xdf", true, false},
	{"6.14 3-byte missing its last byte", "\xef\xbf", true, false},
	{"6.14 4-byte missing its last byte", "\xf4\x8f\xbf", true, false},
	{"6.14 κόσμε then a truncated 2-byte", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce", true, false},
	{"6.15 concatenated incomplete sequences", "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf", false, false},
	{"6.16 FE", "\xfe", false, false},
	{"6.16 FF", "\xff", false, false},
	{"6.16 FE FE FF FF", "\xfe\xfe\xff\xff", false, false},
	{"6.17 overlong / in 2 bytes", "\xc0\xaf", false, false},
	{"6.17 overlong / in 3 bytes", "\xe0\x80\xaf", false, false},
	{"6.17 overlong / in 4 bytes", "\xf0\x80\x80\xaf", false, false},
	{"6.18 maximum overlong 2 bytes", "\xc1\xbf", false, false},
	{"6.18 maximum overlong 3 bytes", "\xe0\x9f\xbf", false, false},
	{"6.18 maximum overlong 4 bytes", "\xf0\x8f\xbf\xbf", false, false},
	{"6.19 overlong NUL", "\xc0\x80", false, false},
	{"6.20 U+D800", "\xed\xa0\x80", false, false},
	{"6.20 U+DB7F", "\xed\xad\xbf", false, false},
	{"6.20 U+DFFF", "\xed\xbf\xbf", false, false},
	{"6.20 U+D800 missing its last byte", "\xed\xa0", false, true},
	{"6.21 surrogate pair", "\xed\xa0\x80\xed\xb0\x80", false, false},
	{"6.21 surrogate pair U+DBFF U+DFFF", "\xed\xaf\xbf\xed\xbf\xbf", false, false},
}

// 6.x: UTF-8 handling.
func TestAutobahnUTF8(t *testing.T) {
	s := abServer(t)
	cases := []abCase{
		echoCase("6.1.1 empty text", oneChop, abText, []byte{}, abMsg(abText, nil)),
		echoCase("6.1.2 3 empty text fragments", oneChop, abText, []byte{}, abFrags(abText, nil, nil, nil)...),
		echoCase("6.1.3 empty, non-empty, empty fragment", oneChop, abText, []byte("middle frame payload"),
			abFrags(abText, nil, []byte("middle frame payload"), nil)...),
	}
	for _, v := range abValidUTF8 {
		text := []byte(v.text)
		cases = append(cases, abCase{name: v.name + " in every fragmentation", run: func(a *abConn) {
			// Whole, then in 1-byte fragments, then as one frame in
			// 1-byte chops, then in 2 fragments cut at every offset and
			// in 3 fragments cut at every pair of offsets 3 apart (cuts
			// inside code points included).
			a.send(oneChop, abMsg(abText, text))
			a.expectMessage(abText, text)
			a.send(oneChop, abFrags(abText, abChunks(text, 1)...)...)
			a.expectMessage(abText, text)
			a.send(octetWise, abMsg(abText, text))
			a.expectMessage(abText, text)
			for i := 0; i <= len(text); i++ {
				a.send(oneChop, abFrags(abText, abSplit(text, i)...)...)
				a.expectMessage(abText, text)
				if j := i + 3; j <= len(text) {
					a.send(frameWise, abFrags(abText, abSplit(text, i, j)...)...)
					a.expectMessage(abText, text)
				}
			}
			a.closeHandshake()
		}})
	}
	prefix := []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") // κόσμε
	for _, v := range abInvalidUTF8 {
		bad := []byte(v.text)
		cases = append(cases,
			failCaseAB(v.name+" whole", oneChop, nil, []int{1007}, abMsg(abText, bad)),
			failCaseAB(v.name+" in 1-byte fragments", oneChop, nil, []int{1007}, abFrags(abText, abChunks(bad, 1)...)...),
			echoCase(v.name+" as binary echoed", oneChop, abBinary, bad, abMsg(abBinary, bad)))
		if v.incomplete {
			cases = append(cases, abCase{name: v.name + " at the end of a non-final fragment waits for the rest", run: func(a *abConn) {
				a.send(oneChop, abFrame(abText, append(slices.Clip(prefix), bad...)), abMsg(abPing, []byte("barrier")))
				a.expectPong([]byte("barrier")) // not refused yet: more may come
				a.send(oneChop, abFrame(abFin|abCont, nil))
				a.expectClose(1007)
			}})
			continue
		}
		// Fail fast: the 1007 comes before the client sends the rest.
		cases = append(cases,
			abCase{name: v.name + " fails fast in a non-final fragment", run: func(a *abConn) {
				a.send(oneChop, abFrame(abText, prefix), abMsg(abPing, []byte("barrier")))
				a.expectPong([]byte("barrier")) // the valid part is accepted
				a.send(oneChop, abFrame(abCont, bad))
				a.expectCloseWithin(abFailFast, 1007)
			}},
			abCase{name: v.name + " fails fast in a chop of a frame", run: func(a *abConn) {
				payload := append(append(slices.Clip(prefix), bad...), "edited"...)
				f := abMsg(abText, payload)
				hdr := len(f) - len(payload)
				a.send(oneChop, f[:hdr+len(prefix)])
				a.send(oneChop, f[hdr+len(prefix):hdr+len(prefix)+len(bad)])
				a.expectCloseWithin(abFailFast, 1007)
			}})
	}
	cases = append(cases,
		abCase{name: "6.4.1 fail fast: valid fragment, then one with a code point above U+10FFFF", run: func(a *abConn) {
			a.send(oneChop, abFrame(abText, prefix), abMsg(abPing, nil))
			a.expectPong(nil)
			a.send(oneChop, abFrame(abCont, []byte("\xf4\x90\x80\x80")))
			a.expectCloseWithin(abFailFast, 1007)
		}},
		abCase{name: "6.4.2 fail fast: the byte that makes a sequence invalid in a fragment of its own", run: func(a *abConn) {
			a.send(oneChop, abFrame(abText, append(slices.Clip(prefix), 0xed)), abMsg(abPing, nil))
			a.expectPong(nil)
			a.send(oneChop, abFrame(abCont, []byte{0xa0}))
			a.expectCloseWithin(abFailFast, 1007)
		}},
		abCase{name: "6.4.4 fail fast: the byte that makes a sequence invalid in a chop of its own", run: func(a *abConn) {
			payload := []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")
			f := abMsg(abText, payload)
			hdr := len(f) - len(payload)
			a.send(oneChop, f[:hdr+12])
			a.send(oneChop, f[hdr+12:hdr+13])
			a.expectCloseWithin(abFailFast, 1007)
		}},
		failCaseAB("6.x+ invalid text after a valid message", oneChop, []abEchoed{echoed(abText, "ok")}, []int{1007},
			abMsg(abText, []byte("ok")), abMsg(abText, []byte("\xff"))),
	)
	abRun(t, s, "", cases)
}

// 7.x: the close handshake.
func TestAutobahnClose(t *testing.T) {
	s := abServer(t)
	closeFrame := func(code uint16, reason string) []byte { return abMsg(abClose, closePayloadAB(code, reason)) }
	big := abBinaryOf(256 << 10)
	cases := []abCase{
		failCaseAB("7.1.1 text, then close", oneChop, []abEchoed{echoed(abText, "Hello World!")}, []int{1000},
			abMsg(abText, []byte("Hello World!")), closeFrame(1000, "")),
		failCaseAB("7.1.2 two close frames", oneChop, nil, []int{1000}, closeFrame(1000, ""), closeFrame(1000, "")),
		failCaseAB("7.1.3 close, then ping not answered", oneChop, nil, []int{1000}, closeFrame(1000, ""), abMsg(abPing, []byte("Hello World!"))),
		failCaseAB("7.1.4 close, then text not echoed", oneChop, nil, []int{1000}, closeFrame(1000, ""), abMsg(abText, []byte("Hello World!"))),
		failCaseAB("7.1.5 fragment, close, fragment", oneChop, nil, []int{1000},
			abFrame(abText, []byte("fragment1")), closeFrame(1000, ""), abFrame(abFin|abCont, []byte("fragment2"))),
		{name: "7.1.6 256 KiB message, close, ping", run: func(a *abConn) {
			a.send(oneChop, abMsg(abBinary, big), closeFrame(1000, ""), abMsg(abPing, []byte("Hello World!")))
			a.expectMessage(abBinary, big)
			a.expectClose(1000)
		}},
		{name: "7.3.1 close without payload answered with an empty close", run: func(a *abConn) {
			a.send(oneChop, abMsg(abClose, nil))
			if p := a.expectClose(1005); len(p) != 0 {
				a.t.Errorf("close payload %q, want none", p)
			}
		}},
		failCaseAB("7.3.2 close with a 1-byte payload", oneChop, nil, abProtocolError, abMsg(abClose, []byte{0x03})),
		failCaseAB("7.3.3 close 1000", oneChop, nil, []int{1000}, closeFrame(1000, "")),
		failCaseAB("7.3.4 close 1000 with a reason", oneChop, nil, []int{1000}, closeFrame(1000, "Hello World!")),
		failCaseAB("7.3.5 close 1000 with a 123-byte reason", oneChop, nil, []int{1000}, closeFrame(1000, strings.Repeat("*", 123))),
		failCaseAB("7.3.6 close with a 124-byte reason (126-byte payload)", oneChop, nil, abProtocolError, closeFrame(1000, strings.Repeat("*", 124))),
		failCaseAB("7.5.1 close reason not UTF-8", oneChop, nil, []int{1007, 1002},
			closeFrame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")),
		failCaseAB("7.5.x+ close reason truncated inside a code point", oneChop, nil, []int{1007, 1002}, closeFrame(1000, "ab\xe2\x82")),
		failCaseAB("7.x+ close 1000 with a multi-byte reason", oneChop, nil, []int{1000}, closeFrame(1000, "κόσμε 😀")),
		{name: "7.x+ close while a fragmented message is in progress, in octet-wise chops", run: func(a *abConn) {
			a.send(octetWise, abFrame(abBinary, []byte("part")), closeFrame(1001, "bye"))
			a.expectClose(1001)
		}},
	}
	// Codes a peer may send (RFC 6455 section 7.4.1 and the IANA registry,
	// which added 1012-1014): echoed.
	for i, code := range []uint16{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		n := fmt.Sprintf("7.7.%d", i+1)
		if code >= 1012 && code <= 1014 {
			n = "7.7.x+" // registered with IANA after Autobahn's table
		}
		cases = append(cases, failCaseAB(fmt.Sprintf("%s close %d echoed", n, code), oneChop, nil, []int{int(code)}, closeFrame(code, "")))
	}
	// Codes that must not appear on the wire: a protocol error.
	for i, code := range []uint16{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999} {
		cases = append(cases, failCaseAB(fmt.Sprintf("7.9.%d close %d", i+1, code), oneChop, nil, abProtocolError, closeFrame(code, "")))
	}
	for i, code := range []uint16{5000, 65535} {
		cases = append(cases, failCaseAB(fmt.Sprintf("7.13.%d close %d", i+1, code), oneChop, nil, abProtocolError, closeFrame(code, "")))
	}
	abRun(t, s, "", cases)
}

// 9.x-lite: large messages, whole and in 64 KiB fragments, echoed intact
// within a bounded time.
func TestAutobahnLimits(t *testing.T) {
	s := abServer(t)
	const size, frag = 4 << 20, 64 << 10
	text, bin := abUTF8Of(size), abBinaryOf(size)
	big := func(op byte, msg []byte, frames ...[]byte) func(a *abConn) {
		return func(a *abConn) {
			start := time.Now()
			a.send(oneChop, frames...)
			a.expectMessageWithin(10*time.Second, op, msg)
			if d := time.Since(start); d > 10*time.Second {
				a.t.Errorf("echo of %d bytes took %v", len(msg), d)
			}
			a.closeHandshake()
		}
	}
	abRun(t, s, "", []abCase{
		{name: "9.1.4 text 4 MiB in one frame", run: big(abText, text, abMsg(abText, text))},
		{name: "9.2.4 binary 4 MiB in one frame", run: big(abBinary, bin, abMsg(abBinary, bin))},
		{name: "9.3.6 text 4 MiB in 64 KiB fragments", run: big(abText, text, abFrags(abText, abChunks(text, frag)...)...)},
		{name: "9.4.6 binary 4 MiB in 64 KiB fragments", run: big(abBinary, bin, abFrags(abBinary, abChunks(bin, frag)...)...)},
	})
}

// startDeflateServer serves the echo session to clients that negotiate
// permessage-deflate in mode.
func startDeflateServer(t *testing.T, mode websocket.CompressionMode) *server {
	t.Helper()
	return startABServer(t, mode, nil)
}

// startABServer serves the echo session, accepting connections with
// compression mode; prepare, if not nil, sees each transport before its
// connection starts.
func startABServer(t *testing.T, mode websocket.CompressionMode, prepare func(*conn.WebSocket)) *server {
	t.Helper()
	return startServerWith(t, newABEcho, conn.Options{},
		&websocket.AcceptOptions{CompressionMode: mode, InsecureSkipVerify: true}, prepare)
}

// dialDeflate dials s with coder/websocket in mode and checks that
// permessage-deflate was negotiated.
func dialDeflate(t *testing.T, s *server, mode websocket.CompressionMode) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), abTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, s.wsURL(), &websocket.DialOptions{CompressionMode: mode})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	c.SetReadLimit(-1)
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	if !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("permessage-deflate not negotiated: %q", ext)
	}
	if noCtx := strings.Contains(ext, "server_no_context_takeover"); noCtx != (mode == websocket.CompressionNoContextTakeover) {
		t.Fatalf("negotiated %q for mode %v", ext, mode)
	}
	return c
}

// abMessage is a test message for the compression cases.
type abMessage struct {
	typ  websocket.MessageType
	data []byte
}

// abVariedMessages makes n messages of sizes 0 to 64 KiB, compressible and
// random, text and binary.
func abVariedMessages(n int, seed uint64) []abMessage {
	rng := rand.New(rand.NewPCG(seed, 7))
	fixed := []int{0, 1, 2, 127, 128, 129, 511, 512, 513, 4096, 32 << 10, 65535, 64 << 10}
	words := []string{"lorem ", "ipsum ", "dolor ", "sit ", "amet ", "κόσμε ", "€ ", "𝄞 "}
	msgs := make([]abMessage, n)
	for i := range msgs {
		size := rng.IntN(1<<rng.IntN(17)) + 1
		if i < len(fixed) {
			size = fixed[i]
		}
		size = min(size, 64<<10)
		var m abMessage
		switch i % 4 {
		case 0: // compressible text
			var b []byte
			for len(b) < size {
				b = append(b, words[rng.IntN(len(words))]...)
			}
			m = abMessage{websocket.MessageText, abTrimRunes(b[:size])}
		case 1: // random binary
			m = abMessage{websocket.MessageBinary, abBinaryOf(size)}
		case 2: // compressible binary: a short random block repeated
			block := make([]byte, 1+rng.IntN(64))
			for j := range block {
				block[j] = byte(rng.Uint32())
			}
			m = abMessage{websocket.MessageBinary, bytes.Repeat(block, size/len(block)+1)[:size]}
		case 3: // random text of 1- to 4-byte runes
			var b []byte
			for len(b) < size {
				r := rune(rng.IntN(0x110000))
				if !utf8.ValidRune(r) {
					continue
				}
				b = utf8.AppendRune(b, r)
			}
			m = abMessage{websocket.MessageText, abTrimRunes(b[:size])}
		}
		msgs[i] = m
	}
	return msgs
}

// abTrimRunes drops an incomplete rune at the end of b.
func abTrimRunes(b []byte) []byte {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

// 12.x/13.x-lite: permessage-deflate with context takeover (12.x) and
// without (13.x).
func TestAutobahnCompression(t *testing.T) {
	modes := []struct {
		section, desc string
		mode          websocket.CompressionMode
	}{
		{"12.x", "context takeover", websocket.CompressionContextTakeover},
		{"13.x", "no context takeover", websocket.CompressionNoContextTakeover},
	}
	for _, m := range modes {
		s := startDeflateServer(t, m.mode)
		name := fmt.Sprintf("%s-lite %s", m.section, m.desc)
		t.Run(name+" 200 varied messages", func(t *testing.T) {
			t.Parallel()
			c := dialDeflate(t, s, m.mode)
			ctx := testCtx(t)
			msgs := abVariedMessages(200, uint64(m.mode))
			sent := make(chan error, 1)
			go func() {
				for _, msg := range msgs {
					if err := c.Write(ctx, msg.typ, msg.data); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			for i, msg := range msgs {
				typ, got, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if typ != msg.typ || !bytes.Equal(got, msg.data) {
					t.Fatalf("message %d (%v, %d bytes): echo is %v, %d bytes", i, msg.typ, len(msg.data), typ, len(got))
				}
			}
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
			if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
				t.Fatalf("close: %v", err)
			}
		})
		t.Run(name+" fragmented messages from a Writer", func(t *testing.T) {
			t.Parallel()
			c := dialDeflate(t, s, m.mode)
			ctx := testCtx(t)
			parts := abVariedMessages(120, 99+uint64(m.mode))
			rng := rand.New(rand.NewPCG(uint64(m.mode), 3))
			for i := 0; i < len(parts); {
				// Several Writes of one message: the parts' sizes and
				// kinds vary, so some messages start below the
				// compression threshold; text is cut at arbitrary
				// offsets, inside runes too.
				n := min(1+i%6, len(parts)-i)
				typ := websocket.MessageBinary
				if i%3 == 0 {
					typ = websocket.MessageText
				}
				var want []byte
				var sizes []int
				for _, p := range parts[i : i+n] {
					want = append(want, p.data...)
					sizes = append(sizes, len(p.data))
				}
				if typ == websocket.MessageText {
					want = abUTF8Of(len(want))
					for j := range sizes {
						sizes[j] = rng.IntN(len(want)/n + 2)
					}
				}
				w, err := c.Writer(ctx, typ)
				if err != nil {
					t.Fatal(err)
				}
				rest := want
				for j, size := range sizes {
					if j == len(sizes)-1 || size > len(rest) {
						size = len(rest)
					}
					if _, err := w.Write(rest[:size]); err != nil {
						t.Fatal(err)
					}
					rest = rest[size:]
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				gotTyp, got, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("message of parts %d..%d: %v", i, i+n-1, err)
				}
				if gotTyp != typ || !bytes.Equal(got, want) {
					t.Fatalf("message of parts %d..%d (%v, %d bytes): echo is %v, %d bytes", i, i+n-1, typ, len(want), gotTyp, len(got))
				}
				i += n
			}
			if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
				t.Fatalf("close: %v", err)
			}
		})
	}

	// Compressed frames written by hand, without context takeover so that
	// every message stands alone.
	s := startDeflateServer(t, websocket.CompressionNoContextTakeover)
	const offer = "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n"
	hello := []byte("Hello, compressed world!")
	bigText := abUTF8Of(100 << 10)
	randomBin := abBinaryOf(50 << 10)
	abRun(t, s, offer, []abCase{
		{name: "13.x-lite compressed text in one frame", run: func(a *abConn) {
			a.send(oneChop, abCompressed(abText, abDeflate(false, hello))...)
			a.expectMessage(abText, hello)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed text in 3 fragments cut at flushes", run: func(a *abConn) {
			a.send(oneChop, abCompressed(abText, abDeflate(false, hello[:7], hello[7:18], hello[18:]))...)
			a.expectMessage(abText, hello)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed 100 KiB text in 7 fragments, ping answered while in progress", run: func(a *abConn) {
			frames := abCompressed(abText, abDeflate(false, abSplit(bigText, 1000, 5000, 5001, 30000, 70000, 99999)...))
			a.send(frameWise, frames[:3]...)
			a.send(oneChop, abMsg(abPing, []byte("inside")))
			a.expectPong([]byte("inside"))
			a.send(frameWise, frames[3:]...)
			a.expectMessage(abText, bigText)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed random binary, deflate stream cut at arbitrary offsets", run: func(a *abConn) {
			z := abDeflate(false, randomBin)[0]
			a.send(oneChop, abCompressed(abBinary, abSplit(z, 1, 2, len(z)/3, len(z)/2, len(z)-1))...)
			a.expectMessage(abBinary, randomBin)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed text cut inside code points, octet-wise", run: func(a *abConn) {
			text := abUTF8Of(700)
			a.send(octetWise, abCompressed(abText, abDeflate(false, abSplit(text, 1, 2, 3, 350, 699)...))...)
			a.expectMessage(abText, text)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed message with empty fragments", run: func(a *abConn) {
			z := abDeflate(false, hello)[0]
			a.send(oneChop, abCompressed(abBinary, [][]byte{nil, z[:3], nil, z[3:], nil})...)
			a.expectMessage(abBinary, hello)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed empty message", run: func(a *abConn) {
			a.send(oneChop, abCompressed(abText, abDeflate(false, nil))...)
			a.expectMessage(abText, []byte{})
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed with a final deflate block (BFINAL)", run: func(a *abConn) {
			a.send(oneChop, abCompressed(abText, abDeflate(true, hello[:5], hello[5:]))...)
			a.expectMessage(abText, hello)
			a.send(oneChop, abCompressed(abBinary, abDeflate(true, randomBin))...)
			a.expectMessage(abBinary, randomBin)
			a.closeHandshake()
		}},
		{name: "13.x-lite compressed and uncompressed messages mixed", run: func(a *abConn) {
			a.send(oneChop,
				abMsg(abText, []byte("plain")),
				abCompressed(abBinary, abDeflate(false, randomBin))[0],
				abMsg(abBinary, randomBin[:1000]))
			a.send(oneChop, abCompressed(abText, abDeflate(false, bigText[:3000], bigText[3000:6000]))...)
			a.expectMessage(abText, []byte("plain"))
			a.expectMessage(abBinary, randomBin)
			a.expectMessage(abBinary, randomBin[:1000])
			a.expectMessage(abText, bigText[:6000])
			a.closeHandshake()
		}},
		{name: "13.x-lite RSV1 on a continuation frame", run: func(a *abConn) {
			z := abDeflate(false, hello)[0]
			a.send(oneChop, abFrame(abRSV1|abText, z[:4]), abFrame(abFin|abRSV1|abCont, z[4:]))
			a.expectClose(1002)
		}},
		{name: "13.x-lite RSV1 on a ping", run: func(a *abConn) {
			a.send(oneChop, abFrame(abFin|abRSV1|abPing, nil))
			a.expectClose(1002)
		}},
		{name: "13.x-lite RSV2 on a compressed message", run: func(a *abConn) {
			a.send(oneChop, abFrame(abFin|abRSV1|abRSV2|abText, abDeflate(false, hello)[0]))
			a.expectClose(1002)
		}},
		{name: "13.x-lite corrupt deflate data", run: func(a *abConn) {
			a.send(oneChop, abFrame(abFin|abRSV1|abBinary, []byte{0xff, 0xff, 0xff, 0xff, 0x00}))
			a.expectClose(1007, 1002)
		}},
		{name: "13.x-lite compressed text that is not UTF-8", run: func(a *abConn) {
			a.send(oneChop, abCompressed(abText, abDeflate(false, []byte("ok \xed\xa0\x80 no")))...)
			a.expectClose(1007)
		}},
	})
}

// abDeflate compresses the parts of one message as RFC 7692 says, each part
// ended by a sync flush (so each is a fragment the receiver can inflate as it
// comes), and strips the empty block's 4-byte tail from the last. With final
// the last part ends in a final deflate block.
func abDeflate(final bool, parts ...[]byte) [][]byte {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		panic(err)
	}
	if len(parts) == 0 {
		parts = [][]byte{nil}
	}
	out := make([][]byte, len(parts))
	for i, p := range parts {
		fw.Write(p)
		if final && i == len(parts)-1 {
			fw.Close()
		} else {
			fw.Flush()
		}
		out[i] = bytes.Clone(buf.Bytes())
		buf.Reset()
	}
	last := len(out) - 1
	out[last] = bytes.TrimSuffix(out[last], []byte{0, 0, 0xff, 0xff})
	return out
}

// abCompressed frames a compressed message: RSV1 on the first frame only.
func abCompressed(op byte, parts [][]byte) [][]byte {
	frames := abFrags(op, parts...)
	frames[0] = abFrame(frames[0][0]|abRSV1, parts[0])
	return frames
}

// abInflate decompresses a compressed message's payload.
func abInflate(p []byte) ([]byte, error) {
	fr := flate.NewReader(io.MultiReader(bytes.NewReader(p), strings.NewReader("\x00\x00\xff\xff")))
	defer fr.Close()
	out, err := io.ReadAll(fr)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil // no final block: the message ends at the sync flush
	}
	return out, err
}
