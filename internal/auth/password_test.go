package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordHashAndVerify(t *testing.T) {
	p := InsecureTestParams
	h, err := HashPassword("correct horse battery", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the given parameters", h)
	}
	if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password: ok=%v err=%v", ok, err)
	}
	if ok, err := VerifyPassword("correct horse batterz", h); ok || err != nil {
		t.Fatalf("wrong password: ok=%v err=%v", ok, err)
	}
	h2, _ := HashPassword("correct horse battery", p)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	// A hash keeps its own parameters: verifying does not depend on the current ones.
	strong := Params{Memory: 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
	h3, _ := HashPassword("another password!", strong)
	if ok, _ := VerifyPassword("another password!", h3); !ok {
		t.Fatal("hash made with other parameters does not verify")
	}
}

func TestPasswordHashParseErrors(t *testing.T) {
	good, _ := HashPassword("correct horse battery", InsecureTestParams)
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, h := range map[string]string{
		"empty":            "",
		"bcrypt":           "$2a$10$abcdefghijklmnopqrstuuJzRkhq7wGKMVf1vYqV7k8bhj4yqG/Uq",
		"argon2i":          with(1, "argon2i"),
		"too few parts":    strings.Join(parts[:5], "$"),
		"old version":      with(2, "v=16"),
		"no version":       with(2, "m=64,t=1,p=1"),
		"params order":     with(3, "t=1,m=64,p=1"),
		"params trailing":  with(3, "m=64,t=1,p=1,x=2"),
		"zero time":        with(3, "m=64,t=0,p=1"),
		"huge memory":      with(3, "m=99999999,t=1,p=1"),
		"memory < 8*p":     with(3, "m=8,t=1,p=2"),
		"bad salt base64":  with(4, "!!!"),
		"bad key base64":   with(5, "%%%"),
		"short key":        with(5, "AAAA"),
		"leading garbage":  "x" + good,
		"padded key (b64)": with(5, parts[5]+"="),
	} {
		if _, err := VerifyPassword("correct horse battery", h); !errors.Is(err, ErrInvalidHash) {
			t.Errorf("%s: err = %v, want ErrInvalidHash", name, err)
		}
		if !NeedsRehash(h, InsecureTestParams) {
			t.Errorf("%s: an unreadable hash must need rehashing", name)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := HashPassword("correct horse battery", InsecureTestParams)
	if NeedsRehash(h, InsecureTestParams) {
		t.Fatal("hash made with the current parameters needs no rehash")
	}
	for _, p := range []Params{
		{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64},
	} {
		if !NeedsRehash(h, p) {
			t.Errorf("params %+v differ from the hash's; want rehash", p)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"":                       false,
		"elevenchars":            false,
		"twelve chars":           true,
		"ééééééééééé":            false, // 11 characters, 22 bytes: characters count
		"éééééééééééé":           true,
		strings.Repeat("a", 256): true,
		strings.Repeat("a", 257): false,
		"twelve chars\xff\xfe":   false,
	} {
		err := ValidatePassword(pw)
		if (err == nil) != ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", pw, err, ok)
		}
		if err != nil {
			wantField(t, err, "password")
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 200 {
		pw := GeneratePassword()
		if len(pw) != 20 {
			t.Fatalf("len(%q) = %d, want 20", pw, len(pw))
		}
		if err := ValidatePassword(pw); err != nil {
			t.Fatalf("generated password %q is not acceptable: %v", pw, err)
		}
		for _, c := range pw {
			if !strings.ContainsRune(passwordAlphabet, c) {
				t.Fatalf("generated password %q has %q outside the alphabet", pw, c)
			}
			counts[c]++
		}
		if seen[pw] {
			t.Fatalf("password %q generated twice", pw)
		}
		seen[pw] = true
	}
	// 4000 draws over 66 characters: every character should turn up.
	if len(counts) < len(passwordAlphabet)-2 {
		t.Fatalf("only %d of %d characters used", len(counts), len(passwordAlphabet))
	}
}
