package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v3"
)

// ManPage renders a section-1 man page (roff) from a command's own
// definition, so the page can never disagree with --help.
func ManPage(cmd *ucli.Command) string {
	var b strings.Builder
	name := cmd.Name
	fmt.Fprintf(&b, ".TH %s 1 %q \"wsa-tools\" \"User Commands\"\n", strings.ToUpper(name), time.Now().UTC().Format("2006-01"))
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", roff(name), roff(cmd.Usage))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.B %s\n", roff(name))
	if len(cmd.Flags) > 0 {
		b.WriteString("[\\fIOPTIONS\\fR]\n")
	}
	if len(visible(cmd.Commands)) > 0 {
		b.WriteString("\\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR]\n")
	}
	if cmd.ArgsUsage != "" {
		fmt.Fprintf(&b, "%s\n", roff(cmd.ArgsUsage))
	}
	if cmd.Description != "" {
		b.WriteString(".SH DESCRIPTION\n")
		writeText(&b, cmd.Description)
	}
	writeFlags(&b, "OPTIONS", cmd.Flags)
	for _, sub := range visible(cmd.Commands) {
		if len(visible(cmd.Commands)) > 0 && sub == visible(cmd.Commands)[0] {
			b.WriteString(".SH COMMANDS\n")
		}
		fmt.Fprintf(&b, ".SS %s %s\n", roff(sub.Name), roff(sub.ArgsUsage))
		writeText(&b, sub.Usage)
		if sub.Description != "" {
			writeText(&b, sub.Description)
		}
		writeFlagList(&b, sub.Flags)
	}
	b.WriteString(".SH EXIT STATUS\n0 success (also when the reader of stdout goes away); 1 failure; 2 bad command line; 130 interrupted by Ctrl-C.\n")
	b.WriteString(".SH SEE ALSO\nThe wsa-tools README and docs/ directory.\n")
	return b.String()
}

func visible(cmds []*ucli.Command) []*ucli.Command {
	var out []*ucli.Command
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}

func writeFlags(b *strings.Builder, title string, flags []ucli.Flag) {
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(b, ".SH %s\n", title)
	writeFlagList(b, flags)
}

func writeFlagList(b *strings.Builder, flags []ucli.Flag) {
	sorted := append([]ucli.Flag(nil), flags...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Names()[0] < sorted[j].Names()[0] })
	for _, f := range sorted {
		if vf, ok := f.(ucli.VisibleFlag); ok && !vf.IsVisible() {
			continue
		}
		var names []string
		for _, n := range f.Names() {
			if len(n) == 1 {
				names = append(names, "\\-"+n)
			} else {
				names = append(names, "\\-\\-"+roffName(n))
			}
		}
		head := strings.Join(names, ", ")
		usage, def := "", ""
		if df, ok := f.(ucli.DocGenerationFlag); ok {
			usage = df.GetUsage()
			if df.TakesValue() {
				head += " \\fIvalue\\fR"
				if d := df.GetDefaultText(); d != "" && d != `""` && d != "0" && d != "[]" {
					def = " (default: " + d + ")"
				}
			}
		}
		fmt.Fprintf(b, ".TP\n.B %s\n%s%s\n", head, roff(usage), roff(def))
	}
}

func writeText(b *strings.Builder, text string) {
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(para, "\n")
		indented := len(lines) > 0 && strings.HasPrefix(lines[0], "   ")
		if indented || strings.HasSuffix(strings.TrimSpace(lines[0]), ":") && len(lines) > 1 {
			b.WriteString(".PP\n.nf\n")
			for _, l := range lines {
				b.WriteString(roff(l) + "\n")
			}
			b.WriteString(".fi\n")
			continue
		}
		b.WriteString(".PP\n" + roff(strings.Join(lines, " ")) + "\n")
	}
}

func roffName(s string) string { return strings.ReplaceAll(s, "-", "\\-") }

// roff escapes text for a man page body line.
func roff(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\e")
	s = strings.ReplaceAll(s, "-", "\\-")
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = "\\&" + s
	}
	return s
}
