package flows

import (
	"encoding/json"
	"fmt"
	"time"
)

// State is a chat's conversation in progress. It is stored as JSON under
// one Redis key per chat and written by compare-and-set, so every field must
// survive a round trip through JSON.
type State struct {
	Flow    string            `json:"f"`
	Step    string            `json:"s"`
	Answers map[string]string `json:"a,omitempty"`
	// Seq numbers the prompts shown; buttons carry it so a press on an old
	// message is recognised and refused.
	Seq    int    `json:"n"`
	Page   int    `json:"p,omitempty"` // page of a list of choices
	Query  string `json:"q,omitempty"` // search text typed at a list step
	Cancel bool   `json:"c,omitempty"` // asking "really cancel?"
	// Keyboard is set while the phone step's contact keyboard is shown.
	Keyboard bool `json:"k,omitempty"`
	// Submission identifies this conversation's registration, so that
	// submitting it twice registers it once.
	Submission string    `json:"id,omitempty"`
	Started    time.Time `json:"t0"`
	Updated    time.Time `json:"t1"`
}

// Encode serialises s for storage.
func (s *State) Encode() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return b, nil
}

// DecodeState reads a stored state. It returns nil, the "no conversation"
// state every flow accepts, when data is empty.
func DecodeState(data []byte) (*State, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if s.Answers == nil {
		s.Answers = map[string]string{}
	}
	return &s, nil
}
