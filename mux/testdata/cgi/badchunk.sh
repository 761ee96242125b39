#!/bin/sh
# Frames its output with chunked encoding and then breaks it ($BREAK): a
# size that is not hex, or an end before the last chunk.
printf 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'
printf '6\r\nfirst\n\r\n'
case "$BREAK" in
size) printf 'zz\r\nsecond\n\r\n0\r\n\r\n' ;;
early) printf '7\r\nsec' ;;
esac
