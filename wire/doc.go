// Package wire holds the JSON that Tributary's HTTP API reads and writes:
// the core's request and answer bodies, with amounts as strings of base
// units, encoded by encoding/json. (Each program's bodies are the
// program's own, in its package.)
//
// The server (package api) and the Go client (package client) both speak
// it, so that a program that only calls the API builds in none of the
// server. It does no I/O.
package wire
