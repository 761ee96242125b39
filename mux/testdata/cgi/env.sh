#!/bin/sh
# Prints what a CGI script sees of its request, then echoes the body.
printf 'Content-Type: text/plain\r\nX-Script: env\r\n\r\n'
echo "HTTP_PROXY=${HTTP_PROXY-unset}"
echo "GREETING=${GREETING-unset}"
echo "REQUEST_METHOD=$REQUEST_METHOD"
echo "SCRIPT_NAME=$SCRIPT_NAME"
echo "PATH_INFO=$PATH_INFO"
echo "QUERY_STRING=$QUERY_STRING"
echo "CONTENT_LENGTH=${CONTENT_LENGTH-unset}"
echo "HTTP_X_TEST=${HTTP_X_TEST-unset}"
echo "SERVER_PROTOCOL=$SERVER_PROTOCOL"
if [ -n "$CONTENT_LENGTH" ]; then
	echo "body=$(head -c "$CONTENT_LENGTH")"
fi
