package main

import (
	"bufio"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The container files cannot be run here (no Docker engine): these tests
// hold them to what the binary accepts and to what `make run` does.

// configNames lists the environment variables the configuration reads, from
// its options table.
func configNames() []string {
	var names []string
	for _, o := range new(Config).options() {
		names = append(names, o.name)
	}
	return names
}

// composeFile is the part of compose.yaml the tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string             `yaml:"image"`
	Build       any                `yaml:"build"`
	Command     []string           `yaml:"command"`
	Profiles    []string           `yaml:"profiles"`
	Environment map[string]*string `yaml:"environment"` // the mapping form only
	Ports       []string           `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return f
}

// interpolate replaces ${VAR:-default} (and ${VAR}) as Compose does when VAR
// is unset.
var interpolation = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}`)

func interpolate(v string) string {
	return interpolation.ReplaceAllString(v, "$1")
}

// ocopbotServices are the services that run the binary (built from the
// Dockerfile), by name.
func ocopbotServices(t *testing.T, f composeFile) map[string]composeService {
	t.Helper()
	out := map[string]composeService{}
	for name, s := range f.Services {
		if s.Build != nil || strings.HasPrefix(s.Image, "ocopbot") {
			out[name] = s
		}
	}
	for _, want := range []string{"demo", "migrate", "serve"} {
		if _, ok := out[want]; !ok {
			t.Fatalf("compose.yaml has no ocopbot service %q (has %v)", want, slices.Sorted(maps.Keys(out)))
		}
	}
	return out
}

func TestComposeEnvironmentIsConfiguration(t *testing.T) {
	t.Parallel()
	known := configNames()
	for name, s := range ocopbotServices(t, readCompose(t)) {
		if len(s.Environment) == 0 {
			t.Errorf("service %s sets no environment", name)
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if !slices.Contains(known, k) {
				t.Errorf("service %s sets %s, which the configuration does not read (it reads %s)", name, k, strings.Join(known, ", "))
			}
			if v != nil {
				env[k] = interpolate(*v)
			}
		}
		// The values, with Compose's defaults, are ones the configuration accepts.
		if _, err := loadConfig(func(k string) string { return env[k] }); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
		if !slices.Equal(s.Command, []string{name}) {
			t.Errorf("service %s runs %v, want [%s]", name, s.Command, name)
		}
	}
}

// TestComposeIsMakeRun: without a token `ocopbot demo`; with one `ocopbot
// migrate`, then `ocopbot serve` (the Makefile's run target).
func TestComposeIsMakeRun(t *testing.T) {
	t.Parallel()
	f := readCompose(t)
	svc := ocopbotServices(t, f)
	demo, migrate, serve := svc["demo"], svc["migrate"], svc["serve"]

	// Production needs these, and compose gives them to serve; migrate needs the database.
	for _, v := range []string{"DATABASE_URL", "REDIS_URL", "TELEGRAM_BOT_TOKEN", "HTTP_ADDR"} {
		if !slices.Contains(configNames(), v) {
			t.Errorf("the configuration no longer reads %s", v)
		}
		if _, ok := serve.Environment[v]; !ok {
			t.Errorf("serve does not set %s", v)
		}
	}
	if _, ok := migrate.Environment["DATABASE_URL"]; !ok {
		t.Error("migrate does not set DATABASE_URL")
	}
	if c := serve.DependsOn["migrate"].Condition; c != "service_completed_successfully" {
		t.Errorf("serve depends on migrate with condition %q, want service_completed_successfully", c)
	}
	// Plain `docker compose up` is the demo; `docker compose up serve` turns
	// on serve's profile, which migrate must share.
	if len(demo.Profiles) != 0 {
		t.Errorf("demo has profiles %v: `docker compose up` would not start it", demo.Profiles)
	}
	if len(serve.Profiles) == 0 || !slices.Equal(serve.Profiles, migrate.Profiles) {
		t.Errorf("serve's profiles %v and migrate's %v: want the same, not empty", serve.Profiles, migrate.Profiles)
	}
	for _, v := range []string{"DEMO_DATABASE_URL", "REDIS_URL", "HTTP_ADDR"} {
		if _, ok := demo.Environment[v]; !ok {
			t.Errorf("demo does not set %s", v)
		}
	}
	if _, ok := demo.Environment["TELEGRAM_BOT_TOKEN"]; ok {
		t.Error("demo is given TELEGRAM_BOT_TOKEN: it uses the emulator's")
	}
	// The HTTP server listens on every interface of the container, on the published port.
	for name, s := range map[string]composeService{"demo": demo, "serve": serve} {
		addr := s.Environment["HTTP_ADDR"]
		if addr == nil || !strings.HasPrefix(*addr, "0.0.0.0:") {
			t.Errorf("%s: HTTP_ADDR must bind 0.0.0.0 inside the container", name)
			continue
		}
		port := strings.TrimPrefix(*addr, "0.0.0.0:")
		if !slices.ContainsFunc(s.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+port) }) {
			t.Errorf("%s publishes %v, not HTTP_ADDR's port %s", name, s.Ports, port)
		}
	}

	pg, redis := f.Services["postgres"], f.Services["redis"]
	if !strings.HasPrefix(pg.Image, "postgres:15") || !strings.HasPrefix(redis.Image, "redis:7") {
		t.Errorf("images %q and %q, want postgres:15 and redis:7", pg.Image, redis.Image)
	}
	cmd := strings.Join(redis.Command, " ")
	if !strings.Contains(cmd, "--appendonly yes") || !strings.Contains(cmd, "--appendfsync always") {
		t.Errorf("redis runs %q: want --appendonly yes --appendfsync always", cmd)
	}
	for name, s := range map[string]composeService{"postgres": pg, "redis": redis} {
		if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	for name, s := range svc {
		for dep, d := range s.DependsOn {
			if (dep == "postgres" || dep == "redis") && d.Condition != "service_healthy" {
				t.Errorf("%s waits for %s with condition %q, want service_healthy", name, dep, d.Condition)
			}
		}
	}
}

// dockerfileStage is one FROM of the Dockerfile and its instructions.
type dockerfileStage struct {
	from  string
	lines []string // instruction lines, continuations joined
}

func readDockerfile(t *testing.T) []dockerfileStage {
	t.Helper()
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []dockerfileStage
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(l, `\`); ok {
			line += cont + " "
			continue
		}
		line += l
		if from, ok := strings.CutPrefix(line, "FROM "); ok {
			stages = append(stages, dockerfileStage{from: strings.Fields(from)[0]})
		} else if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
		line = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a final one", len(stages))
	}
	return stages
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := readDockerfile(t)
	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasPrefix(build.from, "golang:1.26") {
		t.Errorf("build stage from %s, want golang:1.26", build.from)
	}
	var built bool
	for _, l := range build.lines {
		if strings.HasPrefix(l, "RUN ") && strings.Contains(l, "go build") {
			built = strings.Contains(l, "CGO_ENABLED=0") && strings.Contains(l, "-trimpath") && strings.HasSuffix(l, "./cmd/ocopbot")
		}
	}
	if !built {
		t.Error("the build stage must `CGO_ENABLED=0 go build -trimpath … ./cmd/ocopbot`")
	}
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && final.from != "scratch" {
		t.Errorf("final stage from %s, want distroless static or scratch", final.from)
	}
	var user, entry, cmd string
	for _, l := range final.lines {
		instr, arg, _ := strings.Cut(l, " ")
		switch instr {
		case "USER":
			user = arg
		case "ENTRYPOINT":
			entry = arg
		case "CMD":
			cmd = arg
		case "ENV":
			name, _, _ := strings.Cut(arg, "=")
			if !slices.Contains(configNames(), name) {
				t.Errorf("the image sets %s, which the configuration does not read", name)
			}
		case "RUN":
			t.Errorf("the final stage runs %q: it has no shell", arg)
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("the final stage runs as user %q, want a non-root one", user)
	}
	if entry != `["/ocopbot"]` || cmd != `["serve"]` {
		t.Errorf("ENTRYPOINT %s CMD %s, want [\"/ocopbot\"] and [\"serve\"]", entry, cmd)
	}
}
