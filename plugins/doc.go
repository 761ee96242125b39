// Package plugins is the home of golws's protocol plugins: each
// subpackage registers its protocols with lws.Register in an init function,
// so importing it (even as `import _`) makes them available by name to
// lws.Plugin, for hand-written programs and configured servers alike.
package plugins
