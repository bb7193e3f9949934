package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEOutputs runs the commands the README shows with their output
// (a "$ tributary …" line in a console block followed by what it prints)
// and compares what they print now. An output shown up to a line "…" is
// compared as far as it is shown. Commands that need a store or a
// server (backup, restore) and the fee-share demo (a chain in process,
// slow to start here and tested on its own) are left out.
func TestREADMEOutputs(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	shown := readmeCommands(string(raw))
	if len(shown) < 5 {
		t.Fatalf("found %d shown commands in the README; want the split and demo examples", len(shown))
	}
	for _, c := range shown {
		args := strings.Fields(c.command)
		if len(args) == 0 || args[0] == "backup" || args[0] == "restore" || c.command == "demo feeshare" || c.output == "" {
			continue
		}
		t.Run(c.command, func(t *testing.T) {
			got, err := run(t, args...)
			if err != nil {
				t.Fatalf("tributary %s: %v", c.command, err)
			}
			want := trimLines(c.output)
			// A shown output that ends in a line "…" shows its beginning.
			if head, cut := strings.CutSuffix(want, "\n…"); cut {
				want, got = head, strings.Join(strings.Split(trimLines(got), "\n")[:strings.Count(head, "\n")+1], "\n")
			}
			if trimLines(got) != want {
				t.Errorf("tributary %s prints:\n%s\nthe README shows:\n%s", c.command, got, c.output)
			}
		})
	}
}

type shownCommand struct{ command, output string }

// readmeCommands returns the "$ tributary" commands of the README's
// console blocks, each with the lines shown after it, comments cut.
func readmeCommands(md string) []shownCommand {
	var out []shownCommand
	inBlock := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "```console"):
			inBlock = true
		case strings.HasPrefix(line, "```"):
			inBlock = false
		case !inBlock:
		case strings.HasPrefix(line, "$ tributary "):
			cmd, _, _ := strings.Cut(strings.TrimPrefix(line, "$ tributary "), "#")
			out = append(out, shownCommand{command: strings.TrimSpace(cmd)})
		case len(out) > 0:
			out[len(out)-1].output += line + "\n"
		}
	}
	return out
}

func trimLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
