//go:build !unix

package main

// lowerPriority does nothing where nice values do not exist.
func lowerPriority(int) {}
