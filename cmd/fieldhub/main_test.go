package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the fieldhub command, so the tests
// below run the real main in a child process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("FIELDHUB_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type proc struct {
	cmd    *exec.Cmd
	stdout *bytes.Buffer
	url    string
	logs   chan string
}

// start runs "fieldhub serve" in a child process and waits until it listens.
func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "FIELDHUB_TEST_MAIN=1")
	p := &proc{cmd: cmd, stdout: &bytes.Buffer{}, logs: make(chan string, 1000)}
	cmd.Stdout = p.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.logs <- sc.Text()
		}
		close(p.logs)
	}()
	deadline := time.After(60 * time.Second)
	for p.url == "" {
		select {
		case line, ok := <-p.logs:
			if !ok {
				t.Fatal("fieldhub exited before listening")
			}
			var rec struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "fieldhub listening" {
				p.url = rec.URL
			}
		case <-deadline:
			t.Fatal("fieldhub did not start listening")
		}
	}
	return p
}

// stop sends SIGTERM and returns the remaining logs and the exit error.
func (p *proc) stop(t *testing.T) (string, error) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	var logs strings.Builder
	for line := range p.logs {
		logs.WriteString(line + "\n")
	}
	select {
	case err := <-done:
		return logs.String(), err
	case <-time.After(30 * time.Second):
		t.Fatal("fieldhub did not exit after SIGTERM")
	}
	return "", nil
}

func TestServeDemoAndSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--data-dir", dir, "--demo")
	res, err := http.Get(p.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("readyz %d: %s", res.StatusCode, body)
	}
	logs, err := p.stop(t)
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs)
	}
	if !strings.Contains(logs, "shutting down") {
		t.Fatalf("no graceful shutdown in logs:\n%s", logs)
	}
	out := p.stdout.String()
	for _, s := range []string{"admin@fieldhub.example", "API key for provider ACME: fh_"} {
		if !strings.Contains(out, s) {
			t.Fatalf("demo output lacks %q:\n%s", s, out)
		}
	}

	// A second start on the same data keeps the data and prints no secrets.
	p = start(t, "--data-dir", dir, "--demo")
	if logs, err := p.stop(t); err != nil {
		t.Fatalf("second run: %v\n%s", err, logs)
	}
	if out := p.stdout.String(); !strings.Contains(out, "Demo data was loaded") || strings.Contains(out, "fh_") {
		t.Fatalf("second --demo run printed:\n%s", out)
	}
}
