#!/bin/sh
# The CGI script of the http-server-cgi example. PATH_INFO picks the demo:
#   /stream   three lines, one per second (or one per line written to the
#             FIFO named by $GATE, when the server was given one)
#   /chunked  the same, framed by the script itself with chunked encoding
#   /env      the CGI environment the script was given
pause() {
	if [ -z "$GATE" ]; then
		sleep 1
		return
	fi
	# The FIFO is opened once and kept: reopening it per line could meet
	# the writer of the previous line still closing and read EOF.
	if [ -z "$gate_open" ]; then
		exec 3< "$GATE"
		gate_open=1
	fi
	read -r _ <&3
}
case "$PATH_INFO" in
/stream)
	printf 'Content-Type: text/plain\r\n\r\n'
	for i in 1 2 3; do
		echo "tick $i"
		[ "$i" = 3 ] || pause
	done
	;;
/chunked)
	printf 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'
	for i in 1 2 3; do
		printf '7\r\ntick %s\n\r\n' "$i"
		[ "$i" = 3 ] || pause
	done
	printf '0\r\n\r\n'
	;;
/env)
	printf 'Content-Type: text/plain\r\n\r\n'
	env | grep -E '^(HTTP_|REQUEST_|QUERY_|PATH_INFO|SCRIPT_NAME|SERVER_|REMOTE_ADDR|CONTENT_|DEMO_)' | sort
	;;
*)
	printf 'Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno such demo: %s\n' "$PATH_INFO"
	;;
esac
