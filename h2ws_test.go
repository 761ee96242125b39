package lws_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2, as a user turns them on
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
)

// peerEcho is an echo protocol that records the peer address of each
// connection (the TCP connection a stream came on).
type peerEcho struct {
	mu    sync.Mutex
	peers map[string]int
}

func (p *peerEcho) protocol() *lws.Protocol {
	p.peers = map[string]int{}
	return &lws.Protocol{
		Name: "echo",
		NewSession: func(_ *lws.VhostProtocol, c *conn.Conn) conn.Session {
			p.mu.Lock()
			p.peers[c.Info().RemoteAddr]++
			p.mu.Unlock()
			return &h2EchoSession{}
		},
	}
}

type h2EchoSession struct {
	msg  []byte
	full bool
}

func (e *h2EchoSession) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.First {
		e.msg = e.msg[:0]
	}
	e.msg = append(e.msg, in.Data...)
	if in.Final {
		e.full = true
		c.SetRx(false)
		c.RequestWritable()
	}
	return nil
}

func (e *h2EchoSession) Writeable(c *conn.Conn) error {
	if !e.full {
		return nil
	}
	e.full = false
	c.SetRx(true)
	return c.Write(conn.Binary, e.msg)
}

// TestH2WebSocketsClientServer runs golws's client against golws's server
// over HTTP/2 streams, TLS and h2c, each WebSocket on a connection of its
// own or all on one (Pipeline).
func TestH2WebSocketsClientServer(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	for _, tc := range []struct {
		name     string
		tls      bool
		pipeline bool
	}{
		{"wss", true, false},
		{"wss-pipeline", true, true},
		{"ws-h2c", false, false},
		{"ws-h2c-pipeline", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 5
			pe := &peerEcho{}
			srv := lws.New(lwstest.Quiet())
			vo := lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{pe.protocol()}}
			scheme := "ws"
			if tc.tls {
				vo.TLS = &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}
				scheme = "wss"
			} else {
				vo.Listener = &listen.Options{H2C: true}
			}
			v, err := srv.NewVhost(vo)
			if err != nil {
				t.Fatal(err)
			}
			lwstest.Run(t, srv)

			cs := newClientSide(t)
			url := fmt.Sprintf("%s://%s/", scheme, v.Addr())
			var conns []*conn.Conn
			tlsConfig := &tls.Config{RootCAs: cert.Pool} // one config: the connections may be shared
			for range n {
				h, err := client.Connect(cs.vh, client.Options{URL: url, HTTP2: true, Pipeline: tc.pipeline,
					Subprotocols: []string{"echo"}, TLSConfig: tlsConfig})
				if err != nil {
					t.Fatal(err)
				}
				c, err := wait(t, h)
				if err != nil {
					t.Fatal(err)
				}
				if r := h.Response(); r.ProtoMajor != 2 || r.StatusCode != http.StatusOK {
					t.Fatalf("handshake %s %d, want HTTP/2 200", r.Proto, r.StatusCode)
				}
				cs.expect(t, "response")
				cs.expect(t, "established")
				conns = append(conns, c)
			}
			for i, c := range conns {
				msg := bytes.Repeat([]byte{byte('a' + i)}, 100_000)
				cs.send <- msg
				c.RequestWritable()
				if got := cs.body(t); !bytes.Equal(got, msg) {
					t.Fatalf("WebSocket %d: echo of %d bytes came back as %d", i, len(msg), len(got))
				}
			}
			pe.mu.Lock()
			peers := len(pe.peers)
			pe.mu.Unlock()
			want := n
			if tc.pipeline {
				want = 1
			}
			if peers != want {
				t.Fatalf("%d WebSockets came on %d TCP connections, want %d", n, peers, want)
			}
			conns[0].Close(conn.StatusNormal, "")
			cs.expect(t, "closed")
			last := conns[n-1]
			cs.send <- []byte("still here")
			last.RequestWritable()
			if got := cs.body(t); string(got) != "still here" {
				t.Fatalf("after closing one WebSocket the last echoed %q", got)
			}
		})
	}
}

// TestH2WebSocketsFallBack dials wss with HTTP2 against a server that does
// not speak HTTP/2: the client uses the HTTP/1.1 upgrade.
func TestH2WebSocketsFallBack(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	pe := &peerEcho{}
	srv := lws.New(lwstest.Quiet())
	v, err := srv.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{pe.protocol()},
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}, Listener: &listen.Options{DisableHTTP2: true}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, srv)
	cs := newClientSide(t)
	h, err := client.Connect(cs.vh, client.Options{URL: "wss://" + v.Addr().String() + "/", HTTP2: true,
		Subprotocols: []string{"echo"}, TLSConfig: &tls.Config{RootCAs: cert.Pool}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wait(t, h); err != nil {
		t.Fatal(err)
	}
	if r := h.Response(); r.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake %d, want the HTTP/1.1 upgrade's 101", r.StatusCode)
	}
}

// TestH2ExtendedConnectSetting checks that golws's listeners announce
// SETTINGS_ENABLE_CONNECT_PROTOCOL in a program importing h2ws.
func TestH2ExtendedConnectSetting(t *testing.T) {
	v := lwstest.Serve(t, lws.VhostOptions{HTTP: nameHandler("h2c"), Listener: &listen.Options{H2C: true}})
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if got := serverSettings(t, nc)[http2.SettingEnableConnectProtocol]; got != 1 {
		t.Fatalf("SETTINGS_ENABLE_CONNECT_PROTOCOL = %d, want 1", got)
	}
}

// TestMisdirectedRequest checks the 421 for an HTTP/2 request whose Host
// belongs to another TLS vhost than the connection's SNI.
func TestMisdirectedRequest(t *testing.T) {
	certA := testcert.New(t, testcert.ECDSA, "a.example", "b.example")
	certB := testcert.New(t, testcert.ECDSA, "b.example")
	pool := x509.NewCertPool()
	pool.AddCert(certA.Leaf)
	pool.AddCert(certB.Leaf)
	c := lws.New(lwstest.Quiet())
	a, err := c.NewVhost(lws.VhostOptions{Name: "a.example", Listen: "127.0.0.1:0", HTTP: nameHandler("a"),
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{certA.TLS}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewVhost(lws.VhostOptions{Name: "b.example", Listen: a.Addr().String(), HTTP: nameHandler("b"),
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{certB.TLS}}}); err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	for _, tc := range []struct {
		name      string
		h2        bool
		sni, host string
		want      int
	}{
		{"h2 same vhost", true, "a.example", "a.example", http.StatusOK},
		{"h2 other vhost", true, "a.example", "b.example", http.StatusMisdirectedRequest},
		{"h2 other vhost with port", true, "b.example", "a.example:443", http.StatusMisdirectedRequest},
		{"http/1.1 other vhost", false, "a.example", "b.example", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: tc.sni}, ForceAttemptHTTP2: tc.h2}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequest("GET", "https://"+a.Addr().String()+"/", nil)
			req.Host = tc.host
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want || resp.ProtoMajor != map[bool]int{true: 2, false: 1}[tc.h2] {
				t.Fatalf("%s %d, want %d", resp.Proto, resp.StatusCode, tc.want)
			}
		})
	}
}

// TestH2CUpgrade checks the HTTP/1.1 "Upgrade: h2c": 101, then the request
// answered as stream 1 of the HTTP/2 connection, which offers extended
// CONNECT.
func TestH2CUpgrade(t *testing.T) {
	v := lwstest.Serve(t, lws.VhostOptions{HTTP: nameHandler("h2c"), Listener: &listen.Options{H2C: true}})
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
	br := bufio.NewReader(nc)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("upgrade answered %q (%v)", status, err)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "\r\n" {
			break
		}
	}
	io.WriteString(nc, http2.ClientPreface)
	fr := http2.NewFramer(nc, br)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.WriteSettings()
	var body []byte
	xconnect := false
	status2 := ""
	for done := false; !done; {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if v, ok := f.Value(http2.SettingEnableConnectProtocol); ok && v == 1 {
					xconnect = true
				}
				fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			status2 = f.PseudoValue("status")
			done = f.StreamEnded()
		case *http2.DataFrame:
			body = append(body, f.Data()...)
			done = f.StreamEnded()
		}
	}
	if status2 != "200" || !strings.HasPrefix(string(body), "h2c") {
		t.Fatalf("stream 1: %s %q", status2, body)
	}
	if !xconnect {
		t.Fatal("the upgraded connection does not offer extended CONNECT")
	}
}
