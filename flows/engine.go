package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ocopbot/ocopbot/flows/dates"
	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/flows/units"
	"github.com/ocopbot/ocopbot/locales"
)

// Records is everything the flows read and write outside the conversation
// state; each part is declared beside the flow that uses it.
// storage.Store implements it; tests use the real one.
type Records interface {
	ChatRecords
	RegistrationRecords
	InviteRecords
	StatusRecords
	QuotaRecords
	ResultRecords
	RenewalRecords
	DigestRecords
	NoticeRecords
	ClaimRecords
	LinkRecords
	RegistryRecords
	ExportRecords
	PrivacyRecords
	FixRecords
}

// ChatRecords are the records of who talks to the bot.
type ChatRecords interface {
	SaveChat(ctx context.Context, chatID, userID int64, locale string) error
	RegistrationsByOwner(ctx context.Context, userID int64) ([]ocop.Registration, error)
	// Identity is who the user is: as an official, a producer, and whether
	// they agreed to the notice version given.
	Identity(ctx context.Context, userID int64, consentVersion string) (ocop.Identity, error)
}

// Chat is who is talking: a private chat, its user on the channel and
// the language they chose ("" when not known yet). ID and UserID name the
// person, whichever of their accounts wrote; Account the account (0: ID).
type Chat struct {
	ID      int64
	UserID  int64
	Account int64
	Locale  string
	// Typed says the chat's channel has no buttons (Zalo): every answer is
	// typed, and no contact can be shared, so prompts ask to type.
	Typed bool
	// Channel names the messenger ("telegram", "zalo"): the personal-data
	// notice says whose account and whose servers the messages pass.
	Channel string
}

// channel is the chat's messenger, "telegram" when the transport did not
// say (the flows' own tests).
func (c *Chat) channel() string {
	if c.Channel == "" {
		return "telegram"
	}
	return c.Channel
}

// Engine runs the conversations: it routes each input to the command, the
// button action or the flow it belongs to.
type Engine struct {
	records Records
	atlas   *units.Atlas
	groups  []ocop.ProductGroup
	text    *locales.Catalog
	log     *slog.Logger
	now     func() time.Time
	files   Files
	links   StartLinks

	controllers Controllers // who the personal-data notice names

	flows        map[string]Flow
	registration *registration
	result       *resultFlow
	fix          *fixFlow
	commands     map[string]func(t *turn) error
	actions      map[string]func(t *turn, arg string) error

	authMu sync.Mutex
	auth   ocop.Authorities // loaded once: the table changes only with a migration
}

// Config wires an Engine.
type Config struct {
	Records Records
	Atlas   *units.Atlas        // every unit tree; addresses are chosen from the one in force
	Groups  []ocop.ProductGroup // the product taxonomy
	Text    *locales.Catalog
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	Files   Files            // fetches documents users send; nil: none can be read
	Links   StartLinks       // the channel's links that open the bot with a code; nil: "/start <code>" typed
	// Controllers are the personal-data controllers the notice names, by
	// province; zero: "the OCOP office of your province".
	Controllers Controllers
}

// New returns an Engine.
func New(cfg Config) *Engine {
	e := &Engine{records: cfg.Records, atlas: cfg.Atlas, groups: cfg.Groups, text: cfg.Text, log: cfg.Log, now: cfg.Now, files: cfg.Files, links: cfg.Links,
		controllers: cfg.Controllers}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	reg := newRegistration(e)
	res := &resultFlow{e: e}
	fix := &fixFlow{e: e}
	e.registration, e.result, e.fix = reg, res, fix
	e.flows = map[string]Flow{reg.name(): reg, res.name(): res, fix.name(): fix}
	start := func(f Flow) func(t *turn) error {
		return func(t *turn) error {
			if t.st != nil {
				return e.offerResume(t, e.flow(t.st))
			}
			return f.start(t, t.in.Text)
		}
	}
	e.commands = map[string]func(t *turn) error{
		"start":       e.startCommand,
		"dangky":      start(reg),
		"hoso":        e.showRecords,
		"huy":         e.askCancel,
		"ngonngu":     e.languageMenu,
		"status":      e.statusCommand,
		"moi":         e.inviteCommand,
		"ketqua":      start(res),
		"thongbao":    e.undeliveredCommand,
		"giahan":      e.renewalCommand,
		"bantin":      e.digestCommand,
		"trogiup":     e.help,
		"nhanhoso":    e.claimCommand,
		"dulieu":      e.showData,
		"xoadulieu":   e.askErase,
		"suathongtin": start(fix),
		"lienket":     e.linkCommand,
	}
	// English names of the same commands.
	for en, vi := range map[string]string{"language": "ngonngu", "tinhhinh": "status", "invite": "moi", "results": "ketqua",
		"undelivered": "thongbao", "renewals": "giahan", "digest": "bantin", "help": "trogiup", "claim": "nhanhoso",
		"mydata": "dulieu", "erase": "xoadulieu", "correct": "suathongtin", "link": "lienket"} {
		e.commands[en] = e.commands[vi]
	}
	startButton := func(f Flow) func(t *turn, _ string) error {
		return func(t *turn, _ string) error { t.in.Text = ""; return start(f)(t) }
	}
	e.actions = map[string]func(t *turn, arg string) error{
		"reg":   startButton(reg),
		"kq":    startButton(res),
		"hoso":  func(t *turn, _ string) error { return e.showRecords(t) },
		"menu":  func(t *turn, _ string) error { return e.menu(t, false) },
		"lang":  e.chooseLanguage,
		"st":    func(t *turn, arg string) error { return e.statusButton(t, "st", arg) },
		"ch":    func(t *turn, arg string) error { return e.statusButton(t, "ch", arg) },
		"xl":    func(t *turn, arg string) error { return e.statusButton(t, "xl", arg) },
		"lk":    func(t *turn, arg string) error { return e.statusButton(t, "lk", arg) },
		"iv":    e.inviteButton,
		"rn":    e.renewalButton,
		"dg":    e.digestButton,
		"ul":    e.unlinkedListButton,
		"claim": func(t *turn, _ string) error { return e.claimCommand(t) },
		"cl":    e.claimButton,
		"cs":    e.consentButton,
		"erase": e.eraseButton,
		"do":    e.doButton,
		"data":  func(t *turn, _ string) error { return e.showData(t) },
	}
	return e
}

// turn is one input being handled.
type turn struct {
	ctx  context.Context
	chat *Chat
	p    locales.Printer
	st   *State // nil when no conversation is in progress
	in   Input
	res  Result

	who *ocop.Identity // who the user is, read on first need (identity)

	pre   string // said above the next reply (preface)
	asked int    // the replies up to the conversation's prompt (ask); 0: none
}

// say adds a reply, with the preface above it.
func (t *turn) say(r Reply) {
	if t.pre != "" {
		if r.textual() {
			r.Text = joinText(t.pre, r.Text)
		} else {
			t.res.Replies = append(t.res.Replies, Reply{Text: t.pre})
		}
		t.pre = ""
	}
	t.res.Replies = append(t.res.Replies, r)
}

// preface says text above the next reply, in the same message: a
// confirmation or an explanation and the question that follows it make one
// message, not two.
func (t *turn) preface(text string) { t.pre = joinText(t.pre, text) }

// ask says the conversation's prompt: the question the next answer
// answers.
func (t *turn) ask(r Reply) {
	t.say(r)
	t.asked = len(t.res.Replies)
}

// finish ends the turn: a preface nothing followed is said alone, and the
// state notes whether the prompt is the last thing said (State.Asked).
func (t *turn) finish() {
	if t.pre != "" {
		t.say(Reply{})
	}
	if t.st != nil && len(t.res.Replies) > 0 {
		t.st.Asked = t.asked == len(t.res.Replies)
	}
}

// Handle answers one input. It returns the conversation state to store (nil
// clears it) and what to send. It never changes st; chat.Locale may change.
// An error means a record could not be read or written: the caller keeps the
// old state, and the user is told to try again, their answers kept.
func (e *Engine) Handle(ctx context.Context, chat *Chat, st *State, in Input) (*State, Result, error) {
	if chat.Locale == "" {
		chat.Locale = locales.Default
	}
	t := &turn{ctx: ctx, chat: chat, p: e.text.Printer(chat.Locale), st: st.clone(), in: in}
	if in.Kind == InputButton && in.MessageID != 0 {
		t.res.Closes = in.MessageID
	}
	if t.st != nil && e.flows[t.st.Flow] == nil {
		t.st = nil // a flow this release no longer has
	}
	if t.st != nil && t.st.Flow == flowRegistration {
		e.registration.repair(t.st)
	}
	if err := e.reformNotice(t); err != nil {
		return st, Result{Replies: []Reply{{Text: t.p.T("error.internal")}}}, err
	}
	if err := e.dispatch(t); err != nil {
		return st, Result{Replies: []Reply{{Text: t.p.T("error.internal")}}}, err
	}
	t.finish()
	if t.st != nil {
		t.st.Updated = e.now()
	}
	return t.st, t.res, nil
}

// flow is the flow of a conversation in progress.
func (e *Engine) flow(st *State) Flow { return e.flows[st.Flow] }

func (e *Engine) dispatch(t *turn) error {
	switch t.in.Kind {
	case InputResume:
		if t.st == nil {
			return e.menu(t, false)
		}
		return e.flow(t.st).prompt(t, 0)
	case InputCommand:
		if cmd, ok := e.commands[t.in.Command]; ok {
			return cmd(t)
		}
		if t.st != nil {
			return retry(t, e.flow(t.st), t.p.T("error.unknown_command"))
		}
		t.say(Reply{Text: t.p.T("error.unknown_command")})
		return nil
	case InputButton:
		if t.in.Forged {
			if err := e.records.RecordRefusal(t.ctx, ocop.Refusal{Actor: t.chat.UserID, Action: "button", Day: e.today()}); err != nil {
				return err
			}
			return e.oldButton(t)
		}
		seq, global, action, arg, ok := parseData(t.in.Data)
		switch {
		case !ok:
			return e.oldButton(t)
		case global:
			if act, ok := e.actions[action]; ok {
				return act(t, arg)
			}
			return e.oldButton(t)
		case t.st == nil || seq != t.st.Seq:
			return e.oldButton(t)
		}
		return e.stepButton(t, e.flow(t.st), action, arg)
	case InputDocument:
		if t.st == nil || t.st.Flow == flowResult {
			return e.importDocument(t)
		}
	}
	if t.st == nil {
		switch {
		case t.in.Kind == InputContact:
			return e.claimContact(t)
		case t.in.Kind == InputText && looksLikePhone(t.in.Text):
			return e.claimTyped(t)
		case t.in.Kind == InputText && typedClaimCode(t.in.Text) != "":
			return e.claimLinkStart(t, typedClaimCode(t.in.Text))
		case t.in.Kind == InputText && ocop.LinkCode(t.in.Text) != "":
			return e.linkTyped(t, ocop.LinkCode(t.in.Text))
		case t.in.Kind == InputUnsupported && t.chat.Typed:
			// A file, a voice message, a location: what the channel
			// passes on as unreadable. A file is the likely one.
			t.preface(t.p.T("files.unreadable", "Channel", t.p.T("channel."+t.chat.channel())))
		}
		return e.menu(t, false)
	}
	f := e.flow(t.st)
	t.st.Cancel = false
	if t.in.Kind == InputText && isBack(t) {
		return f.back(t)
	}
	return f.input(t)
}

// official returns the official the chat's user is; when they are none, it
// tells them the command is for officials and returns ok false. The lookup
// is made once per turn.
func (e *Engine) official(t *turn) (ocop.Official, bool, error) {
	off, err := e.lookupOfficial(t)
	switch {
	case errNotFound(err):
		t.say(Reply{Text: t.p.T("official.only")})
		// A revoked official pressing their old menu: the menu goes back
		// to a producer's.
		return ocop.Official{}, false, e.setMenu(t)
	case err != nil:
		return ocop.Official{}, false, err
	}
	return off, true, nil
}

// lookupOfficial is the user as an official (ocop.ErrNotFound when they
// are none).
func (e *Engine) lookupOfficial(t *turn) (ocop.Official, error) {
	who, err := e.identity(t)
	switch {
	case err != nil:
		return ocop.Official{}, err
	case who.Official == nil:
		return ocop.Official{}, fmt.Errorf("official %d: %w", t.chat.UserID, ocop.ErrNotFound)
	}
	return *who.Official, nil
}

// identity is who the turn's user is — official, producer, consent to the
// notice in force — read once per turn, in one query, at the first need.
// A write that changes any of it calls t.changedIdentity, so that the
// turn reads it again after.
func (e *Engine) identity(t *turn) (ocop.Identity, error) {
	if t.who == nil {
		who, err := e.records.Identity(t.ctx, t.chat.UserID, ConsentVersion)
		if err != nil {
			return ocop.Identity{}, err
		}
		t.who = &who
	}
	return *t.who, nil
}

// changedIdentity forgets who the user was: a write of this turn changed it.
func (t *turn) changedIdentity() { t.who = nil }

// authorities is the recognition-authority table, read once.
func (e *Engine) authorities(ctx context.Context) (ocop.Authorities, error) {
	e.authMu.Lock()
	defer e.authMu.Unlock()
	if e.auth != nil {
		return e.auth, nil
	}
	auth, err := e.records.Authorities(ctx)
	if err != nil {
		return nil, err
	}
	e.auth = auth
	return auth, nil
}

// today is the current day in Vietnam, as a UTC date.
func (e *Engine) today() time.Time { return dates.LocalDay(e.now()) }

// errNotFound reports whether err says a record does not exist.
func errNotFound(err error) bool { return errors.Is(err, ocop.ErrNotFound) }
