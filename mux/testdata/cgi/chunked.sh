#!/bin/sh
# Frames its own output with chunked encoding, streamed like stream.sh.
printf 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'
printf '6\r\nfirst\n\r\n'
read -r _ < "$GATE"
printf '7;ext=1\r\nsecond\n\r\n0\r\nX-Trailer: t\r\n\r\n'
