#!/bin/sh
# Answers with the status named by the query string, or a broken header.
case "$QUERY_STRING" in
	broken) echo "no colon here" ;;
	nohead) echo "X-Only: header" ;;
	*) printf 'Status: %s Reason Phrase\r\nContent-Type: text/plain\r\n\r\nstatus %s\n' "$QUERY_STRING" "$QUERY_STRING" ;;
esac
