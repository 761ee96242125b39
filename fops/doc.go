// Package fops is lws's platform file API (lws_plat_file_ops) in Go, built
// on io/fs: a file system is an FS whose OpenFile takes lws-style flags and
// returns a File handle that reads, writes, seeks (set, cur, end), tells its
// position and knows its length, modification time and flags.
//
// Implementations:
//
//   - Root: files under a directory of the operating system, through
//     os.Root, so no name can escape it ("..", absolute names, NUL and
//     symlinks that point outside are refused).
//   - FromFS: any io/fs file system (embed.FS, fstest.MapFS, …), read-only
//     and virtual.
//   - Zip: the entries of a .zip file. A deflated entry opened with
//     AcceptGzip comes back as a gzip stream made of the entry's own
//     compressed bytes, without recompressing (IsGzip is set); otherwise it
//     is inflated as it is read, one buffer at a time, and never past the
//     size the archive declares.
//   - Overlay and FSFunc wrap or override another FS (lws's fops
//     "subclassing"): serve some names from memory and the rest from disk.
//
// Names are slash-separated and relative, as in io/fs; Clean turns a URL
// path into one or refuses it.
//
// # Concurrency
//
// An FS may be used by any number of goroutines at once. A File is owned by
// one goroutine at a time.
package fops
