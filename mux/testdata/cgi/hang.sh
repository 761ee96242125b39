#!/bin/sh
# Prints the header and a line (unless $SILENT is set), then waits for a
# child that would sleep far longer than any test: only a kill ends it. The
# child's pid goes to $PIDFILE.
if [ -z "$SILENT" ]; then
	printf 'Content-Type: text/plain\r\n\r\n'
	echo first
fi
sleep 300 &
echo $! > "$PIDFILE.tmp" && mv "$PIDFILE.tmp" "$PIDFILE"
wait
