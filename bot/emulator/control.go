package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ControlHandler serves the emulator's own HTTP API, under /emulator/, for tests and load generators in another
// process: faults, counters, and what users do; it hands every other request to next (the Server itself, or
// a handler serving it and a web chat). It takes no token: serve it only on the emulator's own listener, never
// next to a real bot's.
//
//	POST /emulator/faults                    {"fraction429":0.05,"retry_after":5} | {"storm_seconds":10,"retry_after":10}
//	                                         | {"outage_seconds":20,"outage":"502"|"timeout"}
//	GET  /emulator/stats                     {"calls":{method:n},"violations":n,"early_sends":n,…}
//	POST /emulator/users/{chat}/text         {"text":"/dangky"}
//	POST /emulator/users/{chat}/press        {"label":"4 ★"} or {"message_id":12,"data":"…"}
//	POST /emulator/users/{chat}/photo        {"caption":"…"} or no body: a tiny PNG
//	POST /emulator/users/{chat}/contact      {"phone":"84912345678"}
//	GET  /emulator/users/{chat}/wait?after=V&timeout=10s
//
// The user actions answer {"update_id":…,"version":…,"bot_messages":n,"last":{…}}. With "expect" (a text or a
// list of texts) and "timeout" (at most 5 minutes), an action answers only once a bot message newer than the
// action, or one whose text or caption was edited after it, contains one of them — "" matches any — with that
// message as "reply" ("reply_edit" when it is such an edit: a pressed prompt edited into the next step, a search
// answered in place), or {"timeout":true} when none came in time: one round trip from a user's action to the
// bot's answer, whichever shape it takes.
func (s *Server) ControlHandler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", next)
	mux.HandleFunc("POST /emulator/faults", s.postFaults)
	mux.HandleFunc("GET /emulator/stats", s.getStats)
	mux.HandleFunc("POST /emulator/users/{chat}/text", s.userAction(textAction))
	mux.HandleFunc("POST /emulator/users/{chat}/press", s.userAction(pressAction))
	mux.HandleFunc("POST /emulator/users/{chat}/photo", s.userAction(photoAction))
	mux.HandleFunc("POST /emulator/users/{chat}/contact", s.userAction(contactAction))
	mux.HandleFunc("GET /emulator/users/{chat}/wait", s.userWait)
	return mux
}

// faultsRequest sets faults; absent fields change nothing.
type faultsRequest struct {
	Fraction429   *float64 `json:"fraction429"`
	RetryAfter    int      `json:"retry_after"` // seconds; default 1, or the storm's length for a storm
	StormSeconds  *float64 `json:"storm_seconds"`
	OutageSeconds *float64 `json:"outage_seconds"`
	Outage        string   `json:"outage"`
}

var errNoFault = errors.New("no fault given: set fraction429, storm_seconds or outage_seconds")

// apply checks the whole request, then sets its faults.
func (f faultsRequest) apply(s *Server) error {
	if f.Fraction429 == nil && f.StormSeconds == nil && f.OutageSeconds == nil {
		return errNoFault
	}
	if f.RetryAfter < 0 {
		return fmt.Errorf("retry_after %d: must be positive", f.RetryAfter)
	}
	for name, v := range map[string]*float64{"fraction429": f.Fraction429, "storm_seconds": f.StormSeconds, "outage_seconds": f.OutageSeconds} {
		if v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return fmt.Errorf("%s %v: must be a positive number", name, *v)
		}
	}
	mode := OutageMode(f.Outage)
	if f.OutageSeconds != nil && mode != OutageBadGateway && mode != OutageTimeout {
		return fmt.Errorf("outage %q: %w (want %q or %q)", f.Outage, ErrOutageMode, OutageBadGateway, OutageTimeout)
	}
	if f.Fraction429 != nil {
		s.Set429Fraction(*f.Fraction429, max(f.RetryAfter, 1))
	}
	if f.StormSeconds != nil {
		retry := f.RetryAfter
		if retry == 0 {
			retry = int(math.Ceil(*f.StormSeconds))
		}
		s.Storm(seconds(*f.StormSeconds), retry)
	}
	if f.OutageSeconds != nil {
		return s.Outage(seconds(*f.OutageSeconds), mode)
	}
	return nil
}

func seconds(v float64) time.Duration { return time.Duration(v * float64(time.Second)) }

func (s *Server) postFaults(w http.ResponseWriter, r *http.Request) {
	var f faultsRequest
	if err := decodeBody(r, &f, false); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err))
		return
	}
	if err := f.apply(s); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// Stats are the emulator's counters, as GET /emulator/stats answers them.
type Stats struct {
	Calls           map[string]int `json:"calls"`
	WebhookReplies  map[string]int `json:"webhook_replies"` // calls made in webhook responses, not requests
	Violations      int            `json:"violations"`
	EarlySends      int            `json:"early_sends"`
	EarlyByMethod   map[string]int `json:"early_by_method"`
	RacedSends      int            `json:"raced_sends"`       // during a storm's wait for all, to a chat not told yet
	TooManyRequests int            `json:"too_many_requests"` // every 429 answered
	MessagesSent    int            `json:"messages_sent"`     // the bot's messages, refused sends not included
	OutageRefusals  int            `json:"outage_refusals"`
	PendingUpdates  int            `json:"pending_updates"`
}

func (s *Server) getStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, Stats{
		Calls:           s.Calls(),
		WebhookReplies:  s.WebhookReplies(),
		Violations:      s.Violations(),
		EarlySends:      s.EarlySends(),
		EarlyByMethod:   s.EarlySendsByMethod(),
		RacedSends:      s.RacedSends(),
		TooManyRequests: s.TooManyRequests(),
		MessagesSent:    s.MessagesSent(),
		OutageRefusals:  s.OutageRefusals(),
		PendingUpdates:  s.PendingUpdates(),
	})
}

// maxControlBody bounds the control API's JSON bodies: they hold a line of text or a few numbers.
const maxControlBody = 64 << 10

// decodeBody reads a JSON body strictly; an empty one is allowed when optional.
func decodeBody(r *http.Request, v any, optional bool) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if optional && errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read JSON body: %w", err)
	}
	return nil
}

func errorBody(err error) map[string]string { return map[string]string{"error": err.Error()} }

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code, body = http.StatusInternalServerError, []byte(`{"error":"encode answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body) // the client hung up; nothing left to tell it
}

// parseTimeout reads a wait's timeout: a Go duration ("10s", "1500ms") or seconds ("10", "0.5"), at most a
// minute; def when empty.
func parseTimeout(v string, def time.Duration) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f < 0 || math.IsNaN(f) {
			return 0, fmt.Errorf("timeout %q: want a duration like 10s", v)
		}
		d = seconds(f)
	}
	if d < 0 || d > maxWait {
		return 0, fmt.Errorf("timeout %q: want a duration from 0 to %v", v, maxWait)
	}
	return d, nil
}
