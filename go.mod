module github.com/golws/lws

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	go.uber.org/goleak v1.3.0
)

require golang.org/x/sync v0.25.0

require (
	golang.org/x/net v0.62.0
	golang.org/x/text v0.43.0 // indirect
)
