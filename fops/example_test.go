package fops_test

import (
	"fmt"
	"io"
	"os"
	"testing/fstest"

	"github.com/golws/lws/fops"
)

// A file system that answers some names from memory and the rest from a
// directory on disk.
func ExampleOverlay() {
	dir, _ := os.MkdirTemp("", "fops-example")
	defer os.RemoveAll(dir)
	os.WriteFile(dir+"/index.html", []byte("from disk"), 0o644)
	os.WriteFile(dir+"/status.txt", []byte("stale, from disk"), 0o644)

	disk, err := fops.OpenRoot(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer disk.Close()
	site := fops.Overlay{fops.FromFS(fstest.MapFS{"status.txt": {Data: []byte("fresh, from memory")}}), disk}

	for _, name := range []string{"index.html", "status.txt"} {
		f, err := site.OpenFile(name, fops.Read)
		if err != nil {
			fmt.Println(err)
			continue
		}
		b, _ := io.ReadAll(f)
		fmt.Printf("%s: %s (virtual %v)\n", name, b, f.Flags().Has(fops.Virtual))
		f.Close()
	}
	// Output:
	// index.html: from disk (virtual false)
	// status.txt: fresh, from memory (virtual true)
}
