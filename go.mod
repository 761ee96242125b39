module github.com/golws/lws

go 1.26.0

require (
	github.com/coder/websocket v1.8.15
	go.uber.org/goleak v1.3.0
)

require (
	github.com/chromedp/chromedp v0.23.0
	golang.org/x/sync v0.25.0
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	golang.org/x/net v0.62.0
	golang.org/x/text v0.43.0 // indirect
)
