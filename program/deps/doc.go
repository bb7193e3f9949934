// Package deps is the dependency royalty streams program (seed 003): a
// linked repo's treasury pays, every epoch, a budget set by its class and
// its multiplier into the repos it depends on, split by how much it uses
// each, and part of what a dependency receives passes on to the
// dependency's own dependencies, depth by depth. The package graph becomes
// a cash-flow graph.
//
// The rules are pure (no I/O, clock, floating point or randomness): time,
// balances and the stored graph are passed in, amounts are exact integers
// split by largest remainder, and the streams of an epoch are fixed when it
// opens, so every stream has a known rate for the whole epoch. Rule
// computes an epoch's plan; Settle turns a plan into the close's postings
// and parts; the operations (ops.go) read and write the program's state
// through the engine.
package deps
