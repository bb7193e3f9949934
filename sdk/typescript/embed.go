// Package typescript holds the TypeScript client's module for Go to serve:
// the console loads the client from the server as npm publishes it
// (index.js), one file rather than a copy that could drift.
package typescript

import _ "embed"

// Module is index.js, the client's ES module.
//
//go:embed index.js
var Module []byte

// Operations is operations.js, the table of routes index.js imports
// (generated from the OpenAPI document).
//
//go:embed operations.js
var Operations []byte
