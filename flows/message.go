package flows

// InputKind says what a user sent.
type InputKind int

// The kinds of input a flow reacts to.
const (
	InputText        InputKind = iota + 1 // a plain text message
	InputCommand                          // "/start", "/dangky"…; Command holds the name, Text the arguments
	InputButton                           // a choice chosen; Data holds its ID
	InputContact                          // a shared contact; Phone holds the number
	InputPhoto                            // a photo; FileID holds the largest size
	InputUnsupported                      // a sticker, voice, location… where the bot expects none
	InputDocument                         // a file; FileID, FileName and FileSize describe it
	// InputResume comes from the transport, not the user: replies the chat
	// was owed went stale before the channel would take them, so the chat
	// is shown where it stands instead.
	InputResume
)

// Input is one user action, already decoded from the transport.
type Input struct {
	Kind    InputKind
	Text    string
	Command string
	Data    string
	// Forged is a choice whose data the transport did not make for this
	// chat (its signature failed): Data is empty, and it is refused.
	Forged    bool
	MessageID int // the bot message a choice belongs to
	Phone     string
	// OwnContact says that a shared contact is the sender's own number,
	// as the channel knows it, and not someone else's.
	OwnContact bool
	FileID     string
	FileName   string
	FileSize   int64
}

// Choice is one answer a question offers: a channel shows it as a button,
// a numbered line or a word to type, and sends its ID back when chosen.
type Choice struct {
	Label string
	// ID comes back in Input.Data. It is short (at most 52 bytes, checked by
	// the flows' tests): a channel carries it, signed, inside the button.
	ID string
	// Nav marks a choice that moves through the conversation rather than
	// answering its question: a channel without buttons offers it as a
	// word to type ("quay lại", "hủy") rather than a numbered choice.
	Nav Nav
}

// Nav is what a navigation choice does.
type Nav uint8

// The navigation choices.
const (
	NavBack   Nav = iota + 1 // back to the previous step
	NavCancel                // cancel the conversation (asks first)
)

// Reply is one thing the bot says. It says what, not how: each channel
// renders it in its own way and within its own limits, splitting a text
// too long for one of its messages.
type Reply struct {
	Text string
	// Choices answer the question Text asks, in rows.
	Choices [][]Choice
	// AskContact asks the user to share their own phone number; the label
	// names the choice that does, on a channel that offers one (the
	// answer is an InputContact). Text also says how to type the number.
	AskContact string
	// EndContact says that the contact request is over: a channel that
	// showed a way to share the number takes it away.
	EndContact bool
	// Replaces is the prompt (an Input.MessageID) this reply takes the
	// place of; a channel that cannot change a message it sent says it
	// anew.
	Replaces int
	// PhotoRef shows again a photo the user sent (its Input.FileID), with
	// Text as its caption.
	PhotoRef string
	Photo    *Upload // an image, with Text as its caption
	Document *Upload // a file, with Text as its caption
}

// Upload is a file the bot sends from memory.
type Upload struct {
	Name string
	Data []byte
}

// Result is a flow's answer to one input.
type Result struct {
	Replies []Reply
	// Toast answers a choice chosen with a short notice: over the chat on a
	// channel that shows one, else above the replies.
	Toast string
	// Closes is a prompt (an Input.MessageID) whose choices are answered:
	// a channel that shows choices under their message takes them away,
	// so that they are not chosen again.
	Closes int
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
	// (a channel without a menu has the commands typed, as /help lists them).
	Menu *Menu
	// Person, when not zero, is the person the chat's account now belongs
	// to — linked to another's records (/lienket), or on its own again:
	// the transport speaks for them from the chat's next input on.
	Person int64
	// Forget are other chats whose conversation under way the transport
	// drops: a person's other accounts, when their data is erased.
	Forget []int64
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
func (r Reply) textual() bool { return r.Photo == nil && r.Document == nil && r.PhotoRef == "" }

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
