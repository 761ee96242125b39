package conn

import (
	"bytes"
	"compress/flate"
	"io"
	"net/http"
	"strings"
	"sync"
)

// deflateTail ends every compressed message (RFC 7692 section 7.2.1): the
// sender strips it, the receiver adds it back.
const deflateTail = "\x00\x00\xff\xff"

// pmd is the permessage-deflate extension as negotiated for a connection.
type pmd struct {
	// Whether each side starts every message with an empty window.
	serverNoContext, clientNoContext bool
	// threshold is the smallest whole message compressed when sent.
	threshold int
}

// negotiatedDeflate reads the permessage-deflate parameters from the
// handshake's response headers; nil means no compression.
func negotiatedDeflate(h http.Header, threshold int) *pmd {
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		for ext := range strings.SplitSeq(v, ",") {
			params := strings.Split(ext, ";")
			if strings.TrimSpace(params[0]) != "permessage-deflate" {
				continue
			}
			p := &pmd{threshold: threshold}
			for _, q := range params[1:] {
				switch strings.TrimSpace(q) {
				case "server_no_context_takeover":
					p.serverNoContext = true
				case "client_no_context_takeover":
					p.clientNoContext = true
				}
			}
			if p.threshold <= 0 {
				p.threshold = 128
				if p.serverNoContext || p.clientNoContext {
					p.threshold = 512
				}
			}
			return p
		}
	}
	return nil
}

// Writers and readers of messages compressed without context takeover are
// pooled: a flate.Writer costs about 1 MB.
var (
	flateWriters sync.Pool
	flateReaders sync.Pool
)

// deflater compresses the messages one side sends.
type deflater struct {
	noContext bool
	fw        *flate.Writer
	out       bytes.Buffer
}

// compress compresses p as the next part of a message; final ends it. It
// returns the bytes to send, valid until the next call.
func (d *deflater) compress(p []byte, final bool) ([]byte, error) {
	if d.fw == nil {
		if fw, ok := d.pooled(); ok {
			fw.Reset(&d.out)
			d.fw = fw
		} else {
			fw, err := flate.NewWriter(&d.out, flate.BestSpeed)
			if err != nil {
				return nil, err
			}
			d.fw = fw
		}
	}
	d.out.Reset()
	if _, err := d.fw.Write(p); err != nil {
		return nil, err
	}
	// A sync flush ends every part on a byte boundary, so the peer can
	// decode each fragment as it arrives.
	if err := d.fw.Flush(); err != nil {
		return nil, err
	}
	b := d.out.Bytes()
	if final {
		b = bytes.TrimSuffix(b, []byte(deflateTail))
		if d.noContext {
			flateWriters.Put(d.fw)
			d.fw = nil
		}
	}
	return b, nil
}

// pooled takes a writer from the pool, for messages compressed without
// context takeover only: with it, a writer lives as long as its connection.
func (d *deflater) pooled() (*flate.Writer, bool) {
	if !d.noContext {
		return nil, false
	}
	fw, ok := flateWriters.Get().(*flate.Writer)
	return fw, ok
}

// inflater decompresses the messages one side receives. Its source is the
// reader's frame payload, which ends each message with deflateTail.
type inflater struct {
	noContext bool
	fr        io.ReadCloser
	dict      []byte // the window carried between messages (context takeover)
}

// start prepares to decompress a message read from src.
func (f *inflater) start(src flate.Reader) {
	if f.fr == nil {
		if fr, ok := flateReaders.Get().(io.ReadCloser); ok {
			f.fr = fr
		} else {
			f.fr = flate.NewReader(src)
		}
	}
	f.fr.(flate.Resetter).Reset(src, f.dict)
}

// finish ends a message, giving the pooled reader back; with context
// takeover the last 32 KiB of output stay as the next message's dictionary.
func (f *inflater) finish() {
	if len(f.dict) > 32<<10 {
		f.dict = append(f.dict[:0], f.dict[len(f.dict)-32<<10:]...)
	}
	if f.fr != nil {
		flateReaders.Put(f.fr)
		f.fr = nil
	}
}

// record notes output of the message in progress for the dictionary.
func (f *inflater) record(out []byte) {
	if !f.noContext {
		f.dict = append(f.dict, out...)
		if len(f.dict) > 64<<10 {
			f.dict = append(f.dict[:0], f.dict[len(f.dict)-32<<10:]...)
		}
	}
}
