package client

// Ended is closed when the client is over for good: its attempt failed, or
// its connection ended (with Retry: it gave up, or Close or shutdown ended
// it, and its last connection has ended). Err then tells why.
func (h *Client) Ended() <-chan struct{} {
	h.ending.Do(func() {
		go func() {
			<-h.stopped
			h.mu.Lock()
			c := h.conn // without Retry, the connection outlives the attempt
			h.mu.Unlock()
			if c != nil {
				<-c.Done()
			}
			close(h.ended)
		}()
	})
	return h.ended
}

// Err tells why the client ended, once Ended is closed: the *ConnectError of
// a failed attempt, or the error its last connection ended with (see
// conn.Conn.Err; nil after a normal close it began itself). Before that it
// is the error of the last failed attempt, if any.
func (h *Client) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil || h.conn == nil {
		return h.err
	}
	select {
	case <-h.conn.Done():
		return h.conn.Err()
	default:
		return nil
	}
}
