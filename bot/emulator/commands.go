package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// commandKey is where setMyCommands stores a list: a scope and a language.
type commandKey struct {
	scope  string // BotCommandScope type
	chatID int64  // for the chat scopes
	userID int64  // for chat_member
	lang   string
}

var commandScopes = map[string]bool{
	"default": true, "all_private_chats": true, "all_group_chats": true, "all_chat_administrators": true,
	"chat": true, "chat_administrators": true, "chat_member": true,
}

// commandKeyArg reads scope and language_code.
func commandKeyArg(a *args) (commandKey, *apiError) {
	k := commandKey{scope: "default", lang: strings.TrimSpace(a.get("language_code"))}
	if len(k.lang) != 0 && len(k.lang) != 2 {
		return k, badRequest("invalid language code specified")
	}
	raw := a.get("scope")
	if raw == "" {
		return k, nil
	}
	var scope struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &scope); err != nil {
		return k, badRequest("can't parse BotCommandScope JSON object")
	}
	if !commandScopes[scope.Type] {
		return k, badRequest("can't parse BotCommandScope: Unsupported type specified")
	}
	k.scope, k.userID = scope.Type, scope.UserID
	if strings.HasPrefix(scope.Type, "chat") {
		id, err := strconv.ParseInt(strings.Trim(string(scope.ChatID), `"`), 10, 64)
		if err != nil || id == 0 {
			return k, badRequest("can't parse BotCommandScope: Empty chat_id specified")
		}
		k.chatID = id
	}
	return k, nil
}

// setMyCommands answers https://core.telegram.org/bots/api#setmycommands.
func (s *Server) setMyCommands(_ *http.Request, a *args) (any, *apiError) {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(a.get("commands")), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for i, c := range cmds {
		c.Command = strings.TrimPrefix(c.Command, "/")
		if !validCommand(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if d := strings.TrimSpace(c.Description); d == "" || utf16Len(d) > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
		cmds[i] = c
	}
	k, aerr := commandKeyArg(a)
	if aerr != nil {
		return nil, aerr
	}
	s.cmdMu.Lock()
	if len(cmds) == 0 {
		delete(s.commands, k)
	} else {
		s.commands[k] = cmds
	}
	s.cmdMu.Unlock()
	return true, nil
}

// validCommand: 1-32 characters, lowercase English letters, digits and underscores.
func validCommand(c string) bool {
	if c == "" || len(c) > 32 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if b := c[i]; !(b >= 'a' && b <= 'z') && !isDigit(b) && b != '_' {
			return false
		}
	}
	return true
}

// getMyCommands answers https://core.telegram.org/bots/api#getmycommands: the list set for exactly that scope
// and language.
func (s *Server) getMyCommands(_ *http.Request, a *args) (any, *apiError) {
	k, aerr := commandKeyArg(a)
	if aerr != nil {
		return nil, aerr
	}
	s.cmdMu.RLock()
	cmds := s.commands[k]
	s.cmdMu.RUnlock()
	if cmds == nil {
		cmds = []BotCommand{}
	}
	return cmds, nil
}

// deleteMyCommands answers https://core.telegram.org/bots/api#deletemycommands.
func (s *Server) deleteMyCommands(_ *http.Request, a *args) (any, *apiError) {
	k, aerr := commandKeyArg(a)
	if aerr != nil {
		return nil, aerr
	}
	s.cmdMu.Lock()
	delete(s.commands, k)
	s.cmdMu.Unlock()
	return true, nil
}

// Commands returns the commands set for the default scope and that language_code ("" for all languages).
func (s *Server) Commands(lang string) []BotCommand {
	s.cmdMu.RLock()
	defer s.cmdMu.RUnlock()
	return slices.Clone(s.commands[commandKey{scope: "default", lang: lang}])
}

// MenuCommands returns the command menu a private chat shows to a user of that language, resolved like Telegram:
// the chat's own scope, then all_private_chats, then default; in each, the user's language before "".
func (s *Server) MenuCommands(chatID int64, lang string) []BotCommand {
	s.cmdMu.RLock()
	defer s.cmdMu.RUnlock()
	for _, k := range []commandKey{
		{scope: "chat", chatID: chatID, lang: lang}, {scope: "chat", chatID: chatID},
		{scope: "all_private_chats", lang: lang}, {scope: "all_private_chats"},
		{scope: "default", lang: lang}, {scope: "default"},
	} {
		if cmds, ok := s.commands[k]; ok {
			return slices.Clone(cmds)
		}
	}
	return nil
}
