package lwsws_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/coder/websocket"

	"github.com/golws/lws/lwsws"
	"github.com/golws/lws/plugins/echo"
)

// A server made from lwsws's JSON configuration: a vhost file in a
// directory, serving the registered echo plugin.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "golws-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	site := `# lwsws's JSON, '#' comments included
{
  "global": { "log-level": "err" },
  "vhosts": [{ "name": "localhost", "port": 7681, "interface": "127.0.0.1",
    "ws-protocols": [{ "lws-echo": { "default": "1" } }] }]
}`
	if err := os.WriteFile(filepath.Join(dir, "site.json"), []byte(site), 0o644); err != nil {
		log.Fatal(err)
	}
	cfg, err := lwsws.Load("", dir) // no global file; every file of dir
	if err != nil {
		log.Fatal(err)
	}
	if err := cfg.ListenOn("127.0.0.1:0"); err != nil { // as lwsws -addr: any free port
		log.Fatal(err)
	}
	srv, err := lwsws.New(cfg, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ctx := context.Background()
	url := "ws://" + srv.Vhost("localhost").Addr().String()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{echo.Name}})
	if err != nil {
		log.Fatal(err)
	}
	defer ws.Close(websocket.StatusNormalClosure, "")
	if err := ws.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
		log.Fatal(err)
	}
	_, msg, err := ws.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(msg))
	// Output: hello
}
