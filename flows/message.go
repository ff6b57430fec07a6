package flows

// InputKind says what a user sent.
type InputKind int

// The kinds of input a flow reacts to.
const (
	InputText        InputKind = iota + 1 // a plain text message
	InputCommand                          // "/start", "/dangky"…; Command holds the name, Text the arguments
	InputButton                           // an inline button press; Data holds its callback data
	InputContact                          // a shared contact; Phone holds the number
	InputPhoto                            // a photo; FileID holds the largest size
	InputUnsupported                      // a sticker, voice, location… where the bot expects none
	InputDocument                         // a file; FileID, FileName and FileSize describe it
	// InputResume comes from the transport, not the user: replies the chat
	// was owed went stale before Telegram would take them, so the chat is
	// shown where it stands instead.
	InputResume
)

// Input is one user action, already decoded from the transport.
type Input struct {
	Kind    InputKind
	Text    string
	Command string
	Data    string
	// Forged is a button whose data the transport did not make for this
	// chat (its signature failed): Data is empty, and it is refused.
	Forged    bool
	MessageID int // the bot message a button belongs to
	Phone     string
	// ContactUserID is the Telegram user of a shared contact (0: none):
	// equal to the sender only when they shared their own number.
	ContactUserID int64
	FileID        string
	FileName      string
	FileSize      int64
}

// Button is an inline button.
type Button struct {
	Label string
	Data  string // at most 52 bytes: Telegram takes 64, the transport's signature 12
	// Nav marks a button that moves through the conversation rather than
	// answering its question: a channel without buttons offers it as a
	// word to type ("quay lại", "hủy") rather than a numbered choice.
	Nav Nav
}

// Nav is what a navigation button does.
type Nav uint8

// The navigation buttons.
const (
	NavBack   Nav = iota + 1 // back to the previous step
	NavCancel                // cancel the conversation (asks first)
)

// KeyButton is a reply-keyboard button.
type KeyButton struct {
	Label          string
	RequestContact bool
}

// Reply is one thing the bot sends.
type Reply struct {
	Text           string
	Buttons        [][]Button    // inline keyboard under the message
	Keyboard       [][]KeyButton // reply keyboard replacing the user's keyboard
	RemoveKeyboard bool          // take a reply keyboard away (Telegram: a message that does shows no Buttons)
	EditMessageID  int           // edit this bot message in place instead of sending a new one
	PhotoFileID    string        // send this photo with Text as its caption
	Photo          *Upload       // send this image with Text as its caption
	Document       *Upload       // send this file with Text as its caption
}

// Upload is a file the bot sends from memory.
type Upload struct {
	Name string
	Data []byte
}

// Result is a flow's answer to one input.
type Result struct {
	Replies []Reply
	// Toast answers a button press (a short notice over the chat); the
	// transport answers every press, with or without text.
	Toast string
	// ClearKeyboardOf is a bot message whose inline keyboard the transport
	// removes, so that buttons already answered are not pressed again.
	ClearKeyboardOf int
	// Replace says that the first reply is the conversation's next prompt
	// and takes the place of the prompt the input answered: the message of
	// the button pressed (Input.MessageID), or, for a typed answer (a search
	// in a list), the question the chat shows last. A step then costs the
	// chat one message, not one more under the last. A channel that can
	// change a message it sent shows the reply there; one that cannot — or
	// when that message is no longer the chat's last prompt — sends it as a
	// new message. Either way Answered goes above it (Shown).
	Replace bool
	// Answered is what the input answered, in a short line ("Loại hình: Hợp
	// tác xã ✓"), said above the first reply: where the prompt answered is
	// replaced, the chat keeps the trail of the answers given.
	Answered string
	// Menu, when not nil, replaces the chat's command menu: an official's
	// chat shows the commands of their role, not a producer's. The flows
	// say what the menu holds; the transport says it to its chat service
	// (Telegram: setMyCommands for the chat's scope).
	Menu *Menu
}

// Menu is a chat's command menu, in the chat's language.
type Menu struct {
	// Commands are the menu's entries; none puts the chat back on the menu
	// every chat has (a producer's: DefaultMenu).
	Commands []Command
}

// Command is one entry of a command menu.
type Command struct {
	Name        string // without the slash: "status"
	Description string
}

// Shown is what the result says, in order: its replies, Answered above the
// first (a new one when there is none).
func (r Result) Shown() []Reply {
	if r.Answered == "" {
		return r.Replies
	}
	if len(r.Replies) == 0 || !r.Replies[0].textual() {
		return append([]Reply{{Text: r.Answered}}, r.Replies...)
	}
	out := append([]Reply(nil), r.Replies...)
	out[0].Text = joinText(r.Answered, out[0].Text)
	return out
}

// textual reports a reply whose text is a message of its own, not a
// caption: another text may go above it.
func (r Reply) textual() bool { return r.Photo == nil && r.Document == nil && r.PhotoFileID == "" }

// joinText puts two texts one above the other, a blank line between.
func joinText(above, below string) string {
	switch {
	case above == "":
		return below
	case below == "":
		return above
	}
	return above + "\n\n" + below
}
