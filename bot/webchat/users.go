package webchat

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ocopbot/ocopbot/bot/emulator"
)

const (
	maxUsers    = 100 // the list is memory every page shows; a demo needs a handful
	maxNameLen  = 64  // Telegram's first_name limit
	previewLen  = 80  // runes of the last message shown under a user's name
	defaultRole = "Người dùng (demo)"
)

// userView is a user as GET users lists it, with what the sidebar shows of its chat.
type userView struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Lang     string `json:"lang"`
	Version  uint64 `json:"version"`
	LastText string `json:"last_text"`
	LastDate int64  `json:"last_date"` // Unix seconds; 0 for an empty chat
}

type usersView struct {
	Users      []userView `json:"users"`
	AllVersion uint64     `json:"all_version"`
}

func (s *Server) listUsers(w http.ResponseWriter, _ *http.Request) {
	users := s.snapshot()
	out := usersView{Users: make([]userView, 0, len(users))}
	for _, u := range users {
		v := userView{ID: u.ID, Name: u.Name, Role: u.Role, Lang: u.Lang, Version: s.emu.ChatVersion(u.ID)}
		out.AllVersion += v.Version
		v.LastText, v.LastDate = s.preview(u.ID)
		out.Users = append(out.Users, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// preview returns what the sidebar shows of a chat's last message.
func (s *Server) preview(chatID int64) (string, int64) {
	msgs := s.emu.Chat(chatID)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Deleted {
			continue
		}
		text := strings.Join(strings.Fields(m.PlainText), " ")
		switch {
		case m.PhotoFileID != "":
			text = strings.TrimSpace("🖼 Ảnh " + text)
		case m.DocumentFileID != "":
			text = "📄 " + m.DocumentName
		case m.Contact != "":
			text = "📞 Số điện thoại"
		case m.StickerFileID != "":
			text = "Nhãn dán"
		}
		if utf8.RuneCountInString(text) > previewLen {
			text = string([]rune(text)[:previewLen-1]) + "…"
		}
		return text, m.Date.Unix()
	}
	return "", 0
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if aerr := decodeJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if !validLabel(name, 1) {
		writeError(w, errBadName)
		return
	}
	role := strings.Join(strings.Fields(in.Role), " ")
	if !validLabel(role, 0) {
		writeError(w, errBadRole)
		return
	}
	if role == "" {
		role = defaultRole
	}
	u, ok := s.add(name, role)
	if !ok {
		writeError(w, errTooMany)
		return
	}
	writeJSON(w, http.StatusCreated, userView{ID: u.ID, Name: u.Name, Role: u.Role, Lang: u.Lang})
}

// add appends a user with a new ID, unless the list is full.
func (s *Server) add(name, role string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.users) >= maxUsers {
		return User{}, false
	}
	// A new ID follows the largest, skipping chats the emulator already has (another tool's users).
	var id int64 = 1_000_001
	if len(s.users) > 0 {
		id = 1
	}
	for _, u := range s.users {
		id = max(id, u.ID+1)
	}
	for s.emu.ChatVersion(id) != 0 {
		id++
	}
	u := User{ID: id, Name: name, Role: role, Lang: "vi"}
	s.users = append(s.users, u)
	return u, true
}

// validLabel says whether a name or role has between minLen and maxNameLen characters and no control or
// invisible formatting ones.
func validLabel(s string, minLen int) bool {
	n := utf8.RuneCountInString(s)
	if n < minLen || n > maxNameLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

func (s *Server) snapshot() []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]User(nil), s.users...)
}

// user returns the user the request's {id} names, or writes the error.
func (s *Server) user(w http.ResponseWriter, r *http.Request) (User, bool) {
	if id, err := strconv.ParseInt(r.PathValue("id"), 10, 64); err == nil {
		if u, ok := s.find(id); ok {
			return u, true
		}
	}
	writeError(w, errUnknownUser)
	return User{}, false
}

func (s *Server) find(id int64) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

// allVersion sums the chat versions of every user: it changes whenever any of their chats does.
func (s *Server) allVersion() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var sum uint64
	for _, u := range s.users {
		sum += s.emu.ChatVersion(u.ID)
	}
	return sum
}

// emuUser is the Telegram user the emulator attributes the user's actions to.
func (u User) emuUser() emulator.User {
	return emulator.User{ID: u.ID, FirstName: u.Name, LanguageCode: u.Lang}
}
