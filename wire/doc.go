// Package wire holds the JSON that Tributary's HTTP API reads and writes:
// request and answer bodies, with amounts as strings of base units, and
// hand-written codecs for the bodies of the hot path (an entry, its
// postings, a batch of them), which give way to encoding/json wherever
// their meaning is not plain.
//
// The server (package api) and the Go client (package client) both speak
// it, so that a program that only calls the API builds in none of the
// server. It does no I/O.
package wire
