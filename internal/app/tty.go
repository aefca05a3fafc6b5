package app

import (
	"io"
	"os"
)

// isTerminal reports whether r is an interactive terminal (a character
// device), in which case commands generate a password instead of waiting.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
