package main

import (
	"context"
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
	action := map[string]any{"name": "Nông dân " + strconv.FormatInt(chatID, 10), "text": text,
		"expect": s.expect, "timeout": c.timeout.String()}
	var v struct {
		Reply   *zaloemu.Entry
		Timeout bool
	}
	url := c.base + "/zalo/users/" + strconv.FormatInt(chatID, 10) + "/messages"
	if err := postStep(ctx, c.http, url, action, c.timeout, &v); err != nil {
		return userReply{}, fmt.Errorf("%s: %w", s, err)
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
