// Package status is the lws-status protocol plugin: a live view of the
// server over WebSocket. On connecting, and then every Interval, each client
// receives a JSON Report of the Server's vhosts, their protocols and every
// live connection. The report is built when the client can take it (in
// Writeable), so a slow client gets fewer reports, never a queue of them.
package status

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

// Name is the protocol's name, the WebSocket subprotocol.
const Name = "lws-status"

// Interval is how often a report is sent.
const Interval = time.Second

// Protocol is the registered lws-status protocol.
var Protocol = &lws.Protocol{
	Name:         Name,
	RxBufferSize: 256,
	NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
		return &Session{srv: vp.Vhost.Server()}
	},
}

func init() { lws.Register(Protocol) }

// Report is what a status client receives.
type Report struct {
	Time        time.Time    `json:"time"`
	Vhosts      []VhostInfo  `json:"vhosts"`
	Connections []Connection `json:"connections"`
}

// VhostInfo describes one vhost.
type VhostInfo struct {
	Name      string         `json:"name"`
	Listen    string         `json:"listen,omitempty"`
	Protocols map[string]int `json:"protocols"` // live connections by protocol
}

// Connection describes one live connection.
type Connection struct {
	ID        uint64 `json:"id"`
	Vhost     string `json:"vhost"`
	Protocol  string `json:"protocol"`
	Peer      string `json:"peer"`
	Path      string `json:"path,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// Snapshot builds the Report of srv now.
func Snapshot(srv *lws.Server) Report {
	r := Report{Time: time.Now().UTC(), Vhosts: []VhostInfo{}, Connections: []Connection{}}
	for _, v := range srv.Vhosts() {
		vi := VhostInfo{Name: v.Name(), Protocols: map[string]int{}}
		if a := v.Addr(); a != nil {
			vi.Listen = a.String()
		}
		for _, vp := range v.Protocols() {
			vi.Protocols[vp.Protocol.Name] = vp.Len()
			vp.Each(func(c *conn.Conn) {
				info := c.Info()
				cn := Connection{ID: c.ID(), Vhost: v.Name(), Protocol: vp.Protocol.Name, Peer: info.RemoteAddr}
				if info.URL != nil {
					cn.Path = info.URL.Path
				}
				if info.Header != nil {
					cn.UserAgent = info.Header.Get("User-Agent")
				}
				r.Connections = append(r.Connections, cn)
			})
		}
		r.Vhosts = append(r.Vhosts, vi)
	}
	sort.Slice(r.Connections, func(i, j int) bool { return r.Connections[i].ID < r.Connections[j].ID })
	return r
}

// Session is one status client.
type Session struct {
	conn.NopSession
	srv *lws.Server
	due bool // a report is due: set by Established and Timer, taken by Writeable
}

// Established sends the first report at once.
func (s *Session) Established(c *conn.Conn) error {
	s.due = true
	c.RequestWritable()
	return nil
}

// Timer makes the next report due (the connection's timer, serialized with
// the other callbacks).
func (s *Session) Timer(c *conn.Conn) error {
	s.due = true
	c.RequestWritable()
	return nil
}

// Writeable sends a fresh report when one is due, and arms the timer for
// the next.
func (s *Session) Writeable(c *conn.Conn) error {
	if !s.due {
		return nil
	}
	s.due = false
	b, err := json.Marshal(Snapshot(s.srv))
	if err != nil {
		return err
	}
	c.SetTimer(Interval)
	return c.Write(conn.Text, b)
}
