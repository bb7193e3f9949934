// Package split holds split definitions (who receives which share of an
// amount), their validation, exact allocation, nested splits and the path
// that explains every part.
//
// A split hands out exactly what it is given. Exact shares are rarely whole
// base units, so every allocation rounds, and the rounding must neither lose a
// unit nor make one up. We use the largest-remainder method: every receiver
// first gets the floor of its exact share, and the few units left over (always
// fewer than the number of receivers) go one each to the receivers whose exact
// shares were cut the most, ties going to the receiver listed first. Of all
// roundings that conserve the total it is the one closest to the exact
// shares: every part is within one unit of its exact share, and position
// decides only exact ties. So $1.98 split 50/15/35 pays 0.99 + 0.30 + 0.69,
// not 0.99 + 0.29 + 0.69 with a cent lost, nor 1.00 + 0.29 + 0.69 because
// someone was listed first (handing leftovers out in listed order would).
//
// Everything here is pure: no I/O, no clock, no randomness and no floating
// point. Allocation is integer arithmetic on 256-bit amounts; after every
// allocation the parts are summed and compared with the total, and a mismatch
// panics, because it can only be a bug and must never reach a ledger.
package split
