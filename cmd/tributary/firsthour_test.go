package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/errcode"
)

// TestUnknownCommandFails: a name no command has fails, naming the
// commands there are; a group called alone prints its help.
func TestUnknownCommandFails(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "nosuch"}, "commands: collection, feeshare, market, usage"},
		{[]string{"nosuch"}, "commands: balance,"},
		{[]string{"token", "nosuch"}, "commands: create, list, revoke"},
	} {
		_, err := run(t, tc.args...)
		if errcode.Code(err) != "command_unknown" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tributary %s: %v; want command_unknown listing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if out, err := run(t, "demo"); err != nil || !strings.Contains(out, "Available Commands") {
		t.Errorf("tributary demo = %q, %v; want its help", out, err)
	}
	_, err := run(t, "split", "-1", "USD", "a:1")
	if errcode.Code(err) != "usage_invalid" || !strings.Contains(err.Error(), "negative") {
		t.Errorf("split -1: %v; want usage_invalid saying why", err)
	}
}

// TestReadOnlyCommandsNeedTheDatabase: commands that read a store refuse
// a --db path that does not exist, and create nothing there.
func TestReadOnlyCommandsNeedTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nope.db")
	for _, args := range [][]string{
		{"ledger", "verify", "--db", db},
		{"token", "list", "--db", db},
		{"token", "revoke", "tok_x", "--db", db},
		{"usage", "explain", "--epoch", "0", "--participant", "p", "--db", db},
	} {
		_, err := run(t, args...)
		if errcode.Code(err) != "database_missing" {
			t.Errorf("tributary %s: %v; want database_missing", strings.Join(args, " "), err)
		}
	}
	if _, err := run(t, "ledger", "verify", "--db", db); err == nil {
		t.Error("the database was created by a read")
	}
}
