package client_test

import (
	"context"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/programs"
)

// notForClients are the routes the Go client leaves to other tools.
var notForClients = map[string]string{
	"GET /metrics": "scraped by Prometheus in its text format",
}

// recorder answers every request with an empty JSON object and remembers
// it: the test needs to know where the client sends, not what comes back.
type recorder struct{ sent []*http.Request }

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rec.sent = append(rec.sent, r)
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader("{}")),
		Request:    r,
	}, nil
}

// TestClientCoversEveryRoute calls every exported method of the client
// with placeholder arguments and matches the requests it sends against the
// server's route table: a route no method reaches, or a request no route
// takes, fails the test. A new route without a client method fails it.
func TestClientCoversEveryRoute(t *testing.T) {
	routes := api.New(api.Config{Modules: programs.Modules(programs.Deps{})}).Routes()
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.Method+" "+rt.Pattern, func(http.ResponseWriter, *http.Request) {})
	}
	rec := &recorder{}
	c := client.New("http://tributary.test", "trb_test", &http.Client{Transport: rec})
	v := reflect.ValueOf(c)
	reached := map[string][]string{} // route → the methods that reach it
	for i := 0; i < v.NumMethod(); i++ {
		m := v.Type().Method(i)
		rec.sent = nil
		v.Method(i).Call(placeholders(m.Type))
		for _, r := range rec.sent {
			_, pattern := mux.Handler(r)
			if pattern == "" {
				t.Errorf("%s sends %s %s, which no route takes", m.Name, r.Method, r.URL.Path)
				continue
			}
			reached[pattern] = append(reached[pattern], m.Name)
		}
	}
	for _, rt := range routes {
		route := rt.Method + " " + rt.Pattern
		_, reachedBy := reached[route]
		_, excluded := notForClients[route]
		switch {
		case !reachedBy && !excluded:
			t.Errorf("no client method reaches %s", route)
		case reachedBy && excluded:
			t.Errorf("%s is listed as not for clients, but %v reach it", route, reached[route])
		}
	}
}

// placeholders builds arguments for a method of type mt (receiver
// included): a background context, non-empty strings and numbers (in
// structs too), so that no path has an empty segment, zero values for
// everything else and callbacks that do nothing.
func placeholders(mt reflect.Type) []reflect.Value {
	ctxType := reflect.TypeFor[context.Context]()
	var args []reflect.Value
	for i := 1; i < mt.NumIn(); i++ {
		in := mt.In(i)
		switch {
		case in == ctxType:
			args = append(args, reflect.ValueOf(context.Background()))
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf("x1").Convert(in))
		case slices.Contains([]reflect.Kind{reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint32, reflect.Uint}, in.Kind()):
			args = append(args, reflect.ValueOf(1).Convert(in))
		case in.Kind() == reflect.Func:
			args = append(args, reflect.MakeFunc(in, func([]reflect.Value) []reflect.Value {
				out := make([]reflect.Value, in.NumOut())
				for j := range out {
					out[j] = reflect.Zero(in.Out(j))
				}
				return out
			}))
		case in.Kind() == reflect.Slice && in.Elem().Kind() == reflect.Uint8:
			args = append(args, reflect.ValueOf([]byte("{}")).Convert(in))
		case in.Kind() == reflect.Struct:
			// A request that names its resource in a field (a split's
			// ID) puts it in the path.
			sv := reflect.New(in).Elem()
			for j := 0; j < in.NumField(); j++ {
				if f := sv.Field(j); f.CanSet() && f.Kind() == reflect.String {
					f.SetString("x1")
				}
			}
			args = append(args, sv)
		default:
			args = append(args, reflect.Zero(in))
		}
	}
	return args
}
