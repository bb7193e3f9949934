// Package console is Tributary's web console: a few pages (overview, flows,
// accounts) over the public API, embedded in the binary so that `tributary
// serve` needs nothing else and the page fetches nothing from elsewhere.
// The assets are plain ES modules with no build step; the libraries they
// use (d3, d3-sankey) are vendored as published (assets/vendor/MANIFEST).
package console

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/tributary-ledger/tributary/sdk/typescript"
)

//go:embed assets
var assets embed.FS

// policy keeps the page to its own origin: no script, style, font or
// connection elsewhere, even if one were added by mistake.
const policy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Mount returns a handler that serves the console at / (the page) and
// /console/ (its assets) and passes every other request to api.
func Mount(api http.Handler) http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree always has assets/
	}
	files := http.StripPrefix("/console/", http.FileServerFS(sub))
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /{$}", secured(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, sub, "index.html")
	}))
	mux.Handle("GET /console/", secured(files.ServeHTTP))
	// The client is the SDK's own module, embedded from sdk/typescript,
	// with the table of routes it imports.
	mux.Handle("GET /console/sdk.js", module(typescript.Module))
	mux.Handle("GET /console/operations.js", module(typescript.Operations))
	return mux
}

// module serves an embedded ES module.
func module(src []byte) http.Handler {
	return secured(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(src)
	})
}

// secured adds the headers every console response carries.
func secured(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// Assets change with the binary; revalidating is cheap (they are
		// small and served from memory), stale ones after an upgrade are not.
		h.Set("Cache-Control", "no-cache")
		next(w, r)
	})
}
