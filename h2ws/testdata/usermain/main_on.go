//go:build !h2wsoff

package main

import _ "github.com/golws/lws/h2ws"
