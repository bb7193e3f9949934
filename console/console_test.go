package console

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestVendoredFilesMatchManifest holds every vendored file to the hash
// its manifest records, and every file in vendor/ to having an entry.
func TestVendoredFilesMatchManifest(t *testing.T) {
	f, err := assets.Open("assets/vendor/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{"MANIFEST": true}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 4 {
			t.Fatalf("manifest line %q: want sha256, file, package@version, path", line)
		}
		data, err := fs.ReadFile(assets, "assets/vendor/"+fields[1])
		if err != nil {
			t.Fatalf("%s: %v", fields[1], err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != fields[0] {
			t.Errorf("%s: sha256 %s; the manifest says %s (%s %s): refresh it as the manifest says, never by hand", fields[1], got, fields[0], fields[2], fields[3])
		}
		listed[fields[1]] = true
	}
	ents, err := fs.ReadDir(assets, "assets/vendor")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !listed[e.Name()] {
			t.Errorf("vendor/%s is not in the manifest", e.Name())
		}
	}
}

// TestSDKIsServed: the console's client is the SDK's own file, served as
// it is.
func TestSDKIsServed(t *testing.T) {
	sdk, err := os.ReadFile("../sdk/typescript/index.js")
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	Mount(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/console/sdk.js", nil))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), sdk) || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("GET /console/sdk.js = %d %q, %d bytes; want sdk/typescript/index.js as JavaScript", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
}

// nodeOrSkip returns node's path, or skips (fails, in CI) without it.
func nodeOrSkip(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("TRIBUTARY_NODE_TESTS_REQUIRED") != "" {
			t.Fatal("node is required (TRIBUTARY_NODE_TESTS_REQUIRED is set) but not on the PATH")
		}
		t.Skip("node is not on the PATH; install Node.js 18+ to run the console's JavaScript tests")
	}
	return node
}

// TestAmountFormatter runs the amount formatter's tests (jstest/) with
// node's test runner.
func TestAmountFormatter(t *testing.T) {
	node := nodeOrSkip(t)
	out, err := exec.Command(node, "--test", "jstest/").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test jstest/: %v\n%s", err, out)
	}
}

// external matches a reference to another origin in markup, CSS or an
// import: what the page must never load.
var external = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|import[^;]*from\s*["'](https?:)?//|@import`)

func TestAssetsLoadNothingFromElsewhere(t *testing.T) {
	err := fs.WalkDir(assets, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "/vendor/") {
			return err
		}
		data, err := fs.ReadFile(assets, path)
		if err != nil {
			return err
		}
		if m := external.Find(data); m != nil {
			t.Errorf("%s loads from another origin: %q", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMountServesThePageAndPassesTheRest(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "api "+r.Method+" "+r.URL.Path)
	})
	srv := httptest.NewServer(Mount(api))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		status       int
		contentType  string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<script type="module" src="/console/app.js">`},
		{"GET", "/console/app.js", 200, "text/javascript; charset=utf-8", "createClient"},
		{"GET", "/console/vendor/d3-sankey.min.js", 200, "text/javascript; charset=utf-8", "sankey"},
		{"GET", "/console/style.css", 200, "text/css; charset=utf-8", "focus-visible"},
		{"GET", "/console/nope.js", 404, "", ""},
		{"GET", "/v1/accounts", 418, "", "api GET /v1/accounts"},
		{"POST", "/", 418, "", "api POST /"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("%s %s: %d; want %d", tc.method, tc.path, res.StatusCode, tc.status)
		}
		if tc.contentType != "" && res.Header.Get("Content-Type") != tc.contentType {
			t.Errorf("%s %s: Content-Type %q; want %q", tc.method, tc.path, res.Header.Get("Content-Type"), tc.contentType)
		}
		if !strings.Contains(string(body), tc.body) {
			t.Errorf("%s %s: body lacks %q", tc.method, tc.path, tc.body)
		}
		if tc.status == 200 && !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s %s: no same-origin policy", tc.method, tc.path)
		}
	}
}
