#!/bin/sh
# Prints a line, waits until something is written to the FIFO $GATE, then
# prints another: a client sees the first line only if it was streamed.
printf 'Content-Type: text/plain\r\n\r\n'
echo first
read -r _ < "$GATE"
echo second
