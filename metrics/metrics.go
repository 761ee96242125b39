// Package metrics exports golws's instrumentation as Prometheus metrics
// (github.com/prometheus/client_golang), the Go counterpart of lws 4.x's
// lws_metrics with its OpenMetrics export. The core packages do not depend
// on it: it implements lws.Observer, and a program that wants metrics sets
// it in lws.Options.Observer and mounts Handler at /metrics:
//
//	reg := prometheus.NewRegistry()
//	m := metrics.New(reg)
//	srv := lws.New(&lws.Options{Observer: m})
//	vh, err := srv.NewVhost(lws.VhostOptions{
//		Listen: ":7681",
//		Mounts: []mux.Mount{{Path: "/metrics", Handler: m.Handler()}},
//		...
//	})
//
// The metrics, all prefixed lws_:
//
//   - connections_open (gauge) and connections_accepted_total, by vhost and
//     protocol: connections started (accepted, adopted, dialed) and still
//     open;
//   - connections_closed_total, by vhost, protocol and close code (see
//     conn.CloseCode);
//   - received_bytes_total, sent_bytes_total, received_messages_total and
//     sent_messages_total, by vhost and protocol (payload bytes, after
//     decompression);
//   - rx_off_seconds and send_wait_seconds (histograms), by vhost and
//     protocol: how long reception stayed off (SetRx) and how long output
//     waited for a slow peer;
//   - websocket_handshake_failures_total, by vhost and reason (see the
//     mux.Upgrade* reasons);
//   - http_responses_total, by vhost, mount and status code, and
//     http_request_duration_seconds (histogram), by vhost and mount.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

// Namespace prefixes every metric's name.
const Namespace = "lws"

// Metrics holds golws's Prometheus collectors. It implements lws.Observer:
// set it in lws.Options.Observer (or VhostOptions.Observer). Make one with
// New; its methods are safe from any goroutine.
type Metrics struct {
	gatherer prometheus.Gatherer

	open        *prometheus.GaugeVec
	accepted    *prometheus.CounterVec
	closed      *prometheus.CounterVec
	rxBytes     *prometheus.CounterVec
	txBytes     *prometheus.CounterVec
	rxMessages  *prometheus.CounterVec
	txMessages  *prometheus.CounterVec
	rxOff       *prometheus.HistogramVec
	sendWait    *prometheus.HistogramVec
	handshake   *prometheus.CounterVec
	httpStatus  *prometheus.CounterVec
	httpLatency *prometheus.HistogramVec
}

var _ lws.Observer = (*Metrics)(nil)

// waitBuckets are the buckets of rx-off and send-wait times: 100 µs to
// about 100 s.
var waitBuckets = prometheus.ExponentialBuckets(0.0001, 4, 11)

// New makes the collectors and registers them on reg. A nil reg means a
// new registry of the Metrics' own, which Handler serves. New panics if
// reg already holds collectors of the same names (prometheus.MustRegister).
func New(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		r := prometheus.NewRegistry()
		reg = r
	}
	m := &Metrics{}
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	} else {
		m.gatherer = prometheus.DefaultGatherer
	}
	conns := []string{"vhost", "protocol"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	}
	m.open = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "connections_open",
		Help: "Connections open, by vhost and protocol."}, conns)
	m.accepted = counter("connections_accepted_total", "Connections started (accepted, adopted or dialed), by vhost and protocol.", conns...)
	m.closed = counter("connections_closed_total", "Connections ended, by vhost, protocol and the close code sent.", "vhost", "protocol", "code")
	m.rxBytes = counter("received_bytes_total", "Payload bytes received, after decompression.", conns...)
	m.txBytes = counter("sent_bytes_total", "Payload bytes written by sessions.", conns...)
	m.rxMessages = counter("received_messages_total", "Messages received (their final chunks).", conns...)
	m.txMessages = counter("sent_messages_total", "Messages written by sessions (their final fragments).", conns...)
	m.rxOff = histogram("rx_off_seconds", "How long reception stayed off (rx flow control) before it was turned on again.", waitBuckets, conns...)
	m.sendWait = histogram("send_wait_seconds", "How long output the peer could not take at once waited before it drained.", waitBuckets, conns...)
	m.handshake = counter("websocket_handshake_failures_total", "WebSocket upgrades refused or failed, by vhost and reason.", "vhost", "reason")
	m.httpStatus = counter("http_responses_total", "HTTP responses (not upgrades), by vhost, mount and status code.", "vhost", "mount", "code")
	m.httpLatency = histogram("http_request_duration_seconds", "Time to serve an HTTP request (not an upgrade), by vhost and mount.", prometheus.DefBuckets, "vhost", "mount")
	reg.MustRegister(m.open, m.accepted, m.closed, m.rxBytes, m.txBytes, m.rxMessages, m.txMessages,
		m.rxOff, m.sendWait, m.handshake, m.httpStatus, m.httpLatency)
	return m
}

// Handler serves the metrics in the Prometheus text format (or OpenMetrics
// when the scraper asks for it) from the registry given to New, or from
// prometheus.DefaultGatherer when that registerer cannot be gathered.
// Mount it at /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Observer returns m as an lws.Observer, for lws.Options.Observer.
func (m *Metrics) Observer() lws.Observer { return m }

// ConnObserver returns the observer of the connections of protocol on
// vhost, with its collectors resolved once: counting a message costs a few
// atomic additions. It implements lws.Observer.
func (m *Metrics) ConnObserver(vhost, protocol string) conn.Observer {
	return &connObserver{
		m:          m,
		vhost:      vhost,
		protocol:   protocol,
		open:       m.open.WithLabelValues(vhost, protocol),
		accepted:   m.accepted.WithLabelValues(vhost, protocol),
		rxBytes:    m.rxBytes.WithLabelValues(vhost, protocol),
		txBytes:    m.txBytes.WithLabelValues(vhost, protocol),
		rxMessages: m.rxMessages.WithLabelValues(vhost, protocol),
		txMessages: m.txMessages.WithLabelValues(vhost, protocol),
		rxOff:      m.rxOff.WithLabelValues(vhost, protocol),
		sendWait:   m.sendWait.WithLabelValues(vhost, protocol),
	}
}

// HTTPDone counts an HTTP response and its latency. It implements
// mux.Observer.
func (m *Metrics) HTTPDone(vhost, mount string, status int, d time.Duration) {
	m.httpStatus.WithLabelValues(vhost, mount, strconv.Itoa(status)).Inc()
	m.httpLatency.WithLabelValues(vhost, mount).Observe(d.Seconds())
}

// UpgradeFailed counts a refused or failed WebSocket upgrade. It implements
// mux.Observer.
func (m *Metrics) UpgradeFailed(vhost, protocol, reason string, err error) {
	m.handshake.WithLabelValues(vhost, reason).Inc()
}

// connObserver is the conn.Observer of one protocol on one vhost.
type connObserver struct {
	m                      *Metrics
	vhost, protocol        string
	open                   prometheus.Gauge
	accepted               prometheus.Counter
	rxBytes, txBytes       prometheus.Counter
	rxMessages, txMessages prometheus.Counter
	rxOff, sendWait        prometheus.Observer
}

// ConnOpened counts a connection started and open.
func (o *connObserver) ConnOpened(*conn.Conn) {
	o.accepted.Inc()
	o.open.Inc()
}

// ConnClosed counts a connection ended, by close code.
func (o *connObserver) ConnClosed(_ *conn.Conn, code conn.StatusCode, _ error) {
	o.open.Dec()
	o.m.closed.WithLabelValues(o.vhost, o.protocol, strconv.Itoa(int(code))).Inc()
}

// Received counts received payload bytes and messages.
func (o *connObserver) Received(_ *conn.Conn, n int, messageEnded bool) {
	if n > 0 {
		o.rxBytes.Add(float64(n))
	}
	if messageEnded {
		o.rxMessages.Inc()
	}
}

// Sent counts written payload bytes and messages.
func (o *connObserver) Sent(_ *conn.Conn, n int, messageEnded bool) {
	if n > 0 {
		o.txBytes.Add(float64(n))
	}
	if messageEnded {
		o.txMessages.Inc()
	}
}

// RxOff observes how long reception stayed off.
func (o *connObserver) RxOff(_ *conn.Conn, d time.Duration) { o.rxOff.Observe(d.Seconds()) }

// SendWait observes how long output waited for the peer.
func (o *connObserver) SendWait(_ *conn.Conn, d time.Duration) { o.sendWait.Observe(d.Seconds()) }
