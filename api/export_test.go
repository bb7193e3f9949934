package api

import "time"

// SetTokenClock replaces the clock the token cache judges freshness by, so
// that a test can move past TokenRecheck without waiting. Call it before the
// server takes requests.
func SetTokenClock(s *Server, now func() time.Time) { s.tokens.now = now }

// SetFlowsEntriesMax lowers how many entries one GET /v1/flows sums, so
// that a test sees its paging without writing ten thousand entries.
func SetFlowsEntriesMax(s *Server, n int) { s.flowsMax = n }
