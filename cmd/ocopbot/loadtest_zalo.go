package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/bot/emulator"
	"github.com/ocopbot/ocopbot/bot/zaloemu"
)

// zaloClient plays the load test's users on Zalo, through the Zalo
// emulator's control API (`ocopbot emulator --zalo`): every step is a
// message, a press the number of the choice in the last reply, a shared
// contact the number typed.
type zaloClient struct {
	http    *http.Client
	base    string
	timeout time.Duration

	mu   sync.Mutex
	last map[int64]string // each chat's last reply, whose numbered choices a press reads
}

func newZaloClient(base string, chats int, timeout time.Duration) *zaloClient {
	tr := &http.Transport{MaxIdleConns: chats + 16, MaxIdleConnsPerHost: chats + 16, IdleConnTimeout: time.Minute}
	return &zaloClient{http: &http.Client{Transport: tr}, base: strings.TrimRight(base, "/"), timeout: timeout, last: map[int64]string{}}
}

var (
	choiceLine = regexp.MustCompile(`(?m)^(\d+)\. (.+)$`)
	// leadingNumber is a label's own number ("1. Thực phẩm"), which Zalo's
	// numbered line shows in its place.
	leadingNumber = regexp.MustCompile(`^\d+\. `)
)

// typed is what the user types for a step.
func (c *zaloClient) typed(chatID int64, s step) (string, error) {
	switch s.action {
	case "text", "contact":
		if s.action == "contact" {
			return "0" + strings.TrimPrefix(s.arg, "84"), nil
		}
		return s.arg, nil
	case "press":
		c.mu.Lock()
		last := c.last[chatID]
		c.mu.Unlock()
		for _, m := range choiceLine.FindAllStringSubmatch(last, -1) {
			if m[2] == s.arg || leadingNumber.ReplaceAllString(s.arg, "") == m[2] {
				return m[1], nil
			}
		}
		// A word (quay lại, hủy) or a choice not numbered: typed out.
		return s.arg, nil
	}
	return "", fmt.Errorf("%s: no such action on Zalo", s)
}

func (c *zaloClient) do(ctx context.Context, chatID int64, s step) (userReply, error) {
	text, err := c.typed(chatID, s)
	if err != nil {
		return userReply{}, err
	}
	body, err := json.Marshal(map[string]any{"name": "Nông dân " + strconv.FormatInt(chatID, 10), "text": text,
		"expect": s.expect, "timeout": c.timeout.String()})
	if err != nil {
		return userReply{}, fmt.Errorf("encode %s: %w", s, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout+5*time.Second)
	defer cancel()
	url := c.base + "/zalo/users/" + strconv.FormatInt(chatID, 10) + "/messages"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return userReply{}, fmt.Errorf("%s: %w", s, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return userReply{}, fmt.Errorf("%s: %w", s, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return userReply{}, fmt.Errorf("%s: %w", s, &refusedError{resp.StatusCode, resp.Status})
	}
	var v struct {
		Reply   *zaloemu.Entry
		Timeout bool
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return userReply{}, fmt.Errorf("%s: read answer: %w", s, err)
	}
	if v.Timeout || v.Reply == nil {
		return userReply{}, fmt.Errorf("%s: want %q within %v: %w", s, s.expect, c.timeout, errNoReply)
	}
	reply := v.Reply.Text + v.Reply.Caption
	c.mu.Lock()
	c.last[chatID] = reply
	c.mu.Unlock()
	return userReply{MessageView: emulator.MessageView{Text: reply}}, nil
}
