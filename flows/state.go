package flows

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
)

// stateVersion is the schema of stored states. Version 1 (no "v" field)
// kept every answer as a string in one map ("a"); such states, written by
// earlier releases and still in Redis for weeks, are converted on read.
const stateVersion = 2

// State is a chat's conversation in progress. It is stored as JSON under
// one Redis key per chat and written by compare-and-set, so every field must
// survive a round trip through JSON. The fields above the answers are the
// step machinery every flow shares; the answers are the flow's own.
type State struct {
	Version int    `json:"v"`
	Flow    string `json:"f"`
	Step    string `json:"s"`
	// Seq numbers the prompts shown; buttons carry it so a press on an old
	// message is recognised and refused.
	Seq    int    `json:"n"`
	Page   int    `json:"p,omitempty"` // page of a list of choices
	Query  string `json:"q,omitempty"` // search text typed at a list step
	Cancel bool   `json:"c,omitempty"` // asking "really cancel?"
	// Keyboard is set while the phone step's contact request is open.
	Keyboard bool `json:"k,omitempty"`
	// Asked says the prompt is the last thing the bot said in the chat: a
	// typed answer that asks the step again (a search in a list) may take
	// its place (Result.Replace).
	Asked bool `json:"w,omitempty"`
	// Submission identifies this conversation's registration, so that
	// submitting it twice registers it once.
	Submission string    `json:"id,omitempty"`
	Started    time.Time `json:"t0"`
	Updated    time.Time `json:"t1"`

	Reg    *RegistrationAnswers `json:"reg,omitempty"` // flow "reg"
	Result *ResultAnswers       `json:"res,omitempty"` // flow "result"
	Fix    *FixAnswers          `json:"fix,omitempty"` // flow "fix"
}

// Encode serialises s for storage.
func (s *State) Encode() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return b, nil
}

// DecodeState reads a stored state, of this version or an earlier one. It
// returns nil, the "no conversation" state every flow accepts, when data is
// empty.
func DecodeState(data []byte) (*State, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if s.Version == 0 {
		var v1 struct {
			Answers map[string]string `json:"a"`
		}
		if err := json.Unmarshal(data, &v1); err != nil {
			return nil, fmt.Errorf("decode state v1: %w", err)
		}
		s.fromV1(v1.Answers)
	}
	s.ensureAnswers()
	return &s, nil
}

// ensureAnswers gives the state of a known flow its answers struct, so a
// flow never meets a nil one.
func (s *State) ensureAnswers() {
	s.Version = stateVersion
	switch s.Flow {
	case flowRegistration:
		if s.Reg == nil {
			s.Reg = &RegistrationAnswers{}
		}
	case flowResult:
		if s.Result == nil {
			s.Result = &ResultAnswers{}
		}
	case flowFix:
		if s.Fix == nil {
			s.Fix = &FixAnswers{}
		}
	}
}

// fromV1 converts the answers of a version-1 state, whose step names are
// unchanged.
func (s *State) fromV1(a map[string]string) {
	id := func(k string) int64 { v, _ := strconv.ParseInt(a[k], 10, 64); return v }
	switch s.Flow {
	case flowRegistration:
		stars, _ := strconv.Atoi(a[stStars])
		r := &RegistrationAnswers{
			ProducerID: id("producer"), Kind: ocop.ProducerKind(a[stKind]), Name: a[stName], Rep: a[stRep],
			Phone: a[stPhone], TaxCode: a[stTax], CitizenID: a["cid"],
			Province: id(stProvince), District: id(stDistrict), Commune: id(stCommune),
			ProductName: a[stPName], Group: a[stGroup], Subgroup: a[stSubgroup], Desc: a[stDesc], Stars: stars,
		}
		switch ph := a[stPhoto]; ph {
		case "":
		case "-":
			r.NoPhoto = true
		default:
			r.Photo = ph
		}
		s.Reg = r
	case flowResult:
		r := &ResultAnswers{Code: a["r_code"], RegistrationID: id("r_reg"), ProductID: id("r_prod"),
			Product: a["r_product"], Producer: a["r_producer"], DecisionNo: a["r_dno"], Editing: a["r_editing"] != ""}
		if v, ok := ocop.ParseScore(a["r_score"]); ok {
			r.Score = &v
		}
		if d, ok := dates.ParseCompact(a["r_ddate"]); ok {
			r.DecisionDate = d
		}
		s.Result = r
	}
}

// clone copies s deeply enough that a turn never changes the state it was
// given: the caller keeps it when the turn fails.
func (s *State) clone() *State {
	if s == nil {
		return nil
	}
	c := *s
	if s.Reg != nil {
		r := *s.Reg
		c.Reg = &r
	}
	if s.Result != nil {
		r := *s.Result
		if r.Score != nil {
			v := *r.Score
			r.Score = &v
		}
		c.Result = &r
	}
	if s.Fix != nil {
		r := *s.Fix
		c.Fix = &r
	}
	c.ensureAnswers()
	return &c
}
