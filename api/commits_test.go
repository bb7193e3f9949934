package api

import "testing"

// TestCommitSignal checks that a stream's channel closes at the next commit
// whether or not commits happened before it took the channel.
func TestCommitSignal(t *testing.T) {
	s := &Server{commits: make(chan struct{})}
	s.committed() // no stream listening
	wake := s.commitSignal()
	select {
	case <-wake:
		t.Fatal("closed before any commit after it was taken")
	default:
	}
	s.committed()
	select {
	case <-wake:
	default:
		t.Fatal("not closed by the commit after it was taken")
	}
	again := s.commitSignal()
	if again == wake {
		t.Fatal("a closed channel was handed out again")
	}
	s.committed()
	s.committed()
	select {
	case <-again:
	default:
		t.Fatal("not closed by the commit after it was taken")
	}
}
