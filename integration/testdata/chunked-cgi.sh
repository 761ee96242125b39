#!/bin/sh
# A CGI script that frames its own output with chunked encoding and waits
# on the FIFO $GATE between its two chunks.
printf 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'
printf '6\r\nfirst\n\r\n'
read -r _ < "$GATE"
printf '7\r\nsecond\n\r\n0\r\n\r\n'
