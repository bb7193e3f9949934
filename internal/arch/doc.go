// Package arch holds no code: its tests check the architecture of the
// module itself — that every package says what it is for, and that the core
// (money, split, ledger and the programs) stays free of I/O, clocks,
// randomness and floating point.
package arch
