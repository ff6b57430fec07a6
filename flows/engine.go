package flows

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ocopbot/ocopbot/flows/ocop"
	"github.com/ocopbot/ocopbot/locales"
)

// Records is what the flows read and write outside the conversation state.
// storage.Store implements it; tests use the real one.
type Records interface {
	ProducerByOwner(ctx context.Context, userID int64) (ocop.Producer, error)
	SubmitRegistration(ctx context.Context, sub ocop.Submission) (ocop.Registration, error)
	RegistrationsByOwner(ctx context.Context, userID int64) ([]ocop.Registration, error)
	SaveChat(ctx context.Context, chatID, userID int64, locale string) error
	RedeemInvite(ctx context.Context, code string, userID, chatID int64) (ocop.Official, error)

	// Officials.
	OfficialByUser(ctx context.Context, userID int64) (ocop.Official, error)
	CreateInvite(ctx context.Context, unitID int64, role ocop.Role, createdBy int64, ttl time.Duration) (string, error)
	Quotas(ctx context.Context) ([]ocop.Quota, error)
	CommuneTallies(ctx context.Context, day, until time.Time, communes []int64) ([]ocop.CommuneTally, error)
	ExpiringProducts(ctx context.Context, day, until time.Time, communes []int64, limit int) ([]ocop.CertifiedProduct, error)
	PendingRegistrations(ctx context.Context, communes []int64) (int, error)
	CertifiedProducts(ctx context.Context, day time.Time, communes []int64) ([]ocop.CertifiedProduct, error)

	// Council results and notifications.
	Authorities(ctx context.Context) (ocop.Authorities, error)
	Applicants(ctx context.Context, codes []string) (map[string]ocop.Applicant, error)
	AwaitingResults(ctx context.Context, communes []int64, limit int) ([]ocop.Applicant, error)
	RecordResults(ctx context.Context, results []ocop.Result) (ocop.Recorded, error)
	Undelivered(ctx context.Context, units []int64, olderThan time.Duration, limit int) ([]ocop.Notification, int, error)

	// Renewals.
	AnswerRenewal(ctx context.Context, userID, certificateID int64, answer ocop.RenewalAnswer, at time.Time) (ocop.RenewalOutcome, error)
	RenewalTally(ctx context.Context, day time.Time, communes []int64) (ocop.RenewalTally, error)
	RenewalRequests(ctx context.Context, communes []int64, limit int) ([]ocop.RenewalRequest, int, error)
	UnreachableProducers(ctx context.Context, day time.Time, communes []int64, limit int) ([]ocop.UnreachableNotice, int, error)
	SetDigest(ctx context.Context, userID int64, on bool) error
}

// Chat is who is talking: a private chat, its Telegram user and the
// language they chose ("" when not known yet).
type Chat struct {
	ID     int64
	UserID int64
	Locale string
}

// Engine runs the conversations.
type Engine struct {
	records      Records
	atlas        *ocop.Atlas
	units        *ocop.UnitIndex // the tree in force when the engine started: addresses are chosen from it
	botName      atomic.Pointer[string]
	groups       []ocop.ProductGroup
	text         *locales.Catalog
	log          *slog.Logger
	now          func() time.Time
	files        Files
	hasDistricts bool
}

// Config wires an Engine.
type Config struct {
	Records Records
	Atlas   *ocop.Atlas         // every unit tree; addresses are chosen from the one in force
	Groups  []ocop.ProductGroup // the product taxonomy
	Text    *locales.Catalog
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	Files   Files            // fetches documents users send; nil: none can be read
}

// New returns an Engine.
func New(cfg Config) *Engine {
	e := &Engine{records: cfg.Records, atlas: cfg.Atlas, groups: cfg.Groups, text: cfg.Text, log: cfg.Log, now: cfg.Now, files: cfg.Files}
	if e.now == nil {
		e.now = time.Now
	}
	e.units = e.atlas.At(e.today()).Units
	if e.log == nil {
		e.log = slog.Default()
	}
	for _, p := range e.units.Children(0) {
		for _, c := range e.units.Children(p.ID) {
			if c.Level == 2 {
				e.hasDistricts = true
				break
			}
		}
		if e.hasDistricts {
			break
		}
	}
	return e
}

// SetFiles sets how documents users send are fetched (the transport,
// which is created after the engine).
func (e *Engine) SetFiles(f Files) { e.files = f }

// SetBotName gives the bot's username, for the links of invitations.
func (e *Engine) SetBotName(name string) { e.botName.Store(&name) }

// BotName is the bot's username, "" until known.
func (e *Engine) BotName() string {
	if p := e.botName.Load(); p != nil {
		return *p
	}
	return ""
}

// turn is one input being handled.
type turn struct {
	ctx  context.Context
	chat *Chat
	p    locales.Printer
	st   *State // nil when no conversation is in progress
	in   Input
	res  Result
}

func (t *turn) say(r Reply) { t.res.Replies = append(t.res.Replies, r) }

// Handle answers one input. It returns the conversation state to store (nil
// clears it) and what to send. It never changes st; chat.Locale may change.
// An error means a record could not be read or written: the caller keeps the
// old state and tells the user to try again.
func (e *Engine) Handle(ctx context.Context, chat *Chat, st *State, in Input) (*State, Result, error) {
	if chat.Locale == "" {
		chat.Locale = locales.Default
	}
	t := &turn{ctx: ctx, chat: chat, p: e.text.Printer(chat.Locale), st: st.clone(), in: in}
	if t.st != nil {
		e.repair(t.st)
	}
	if in.Kind == InputButton && in.MessageID != 0 {
		t.res.ClearKeyboardOf = in.MessageID
	}
	err := e.dispatch(t)
	if err != nil {
		return st, Result{Replies: []Reply{{Text: t.p.T("error.internal")}}}, err
	}
	if t.st != nil {
		t.st.Updated = e.now()
	}
	return t.st, t.res, nil
}

func (s *State) clone() *State {
	if s == nil {
		return nil
	}
	c := *s
	c.Answers = maps.Clone(s.Answers)
	if c.Answers == nil {
		c.Answers = map[string]string{}
	}
	return &c
}

// Global button actions carry no sequence number: they stay valid on any
// message (the menu under /start, the buttons after a finished registration).
const globalPrefix = "x|"

func globalData(action string, arg ...string) string {
	return globalPrefix + action + "|" + strings.Join(arg, "|")
}

// stepData builds the callback data of a button bound to the prompt now
// shown: "<seq>|<action>|<arg>".
func stepData(st *State, action, arg string) string {
	return strconv.Itoa(st.Seq) + "|" + action + "|" + arg
}

func parseData(data string) (seq int, global bool, action, arg string, ok bool) {
	head, rest, ok := strings.Cut(data, "|")
	if !ok {
		return 0, false, "", "", false
	}
	action, arg, _ = strings.Cut(rest, "|")
	if head == "x" {
		return 0, true, action, arg, true
	}
	seq, err := strconv.Atoi(head)
	if err != nil {
		return 0, false, "", "", false
	}
	return seq, false, action, arg, true
}

func (e *Engine) dispatch(t *turn) error {
	switch t.in.Kind {
	case InputCommand:
		return e.command(t)
	case InputButton:
		seq, global, action, arg, ok := parseData(t.in.Data)
		if !ok {
			return e.oldButton(t)
		}
		if global {
			return e.globalAction(t, action, arg)
		}
		if t.st == nil || seq != t.st.Seq {
			return e.oldButton(t)
		}
		return e.stepButton(t, action, arg)
	}
	if t.in.Kind == InputDocument && (t.st == nil || t.st.Flow == flowResult) {
		return e.importDocument(t)
	}
	if t.st != nil {
		if t.in.Kind == InputText && isBack(t) {
			return e.back(t)
		}
		return e.stepInput(t)
	}
	return e.menu(t, false)
}

func (e *Engine) command(t *turn) error {
	switch t.in.Command {
	case "start":
		if t.in.Text != "" { // a deep link: t.me/<bot>?start=<invite code>
			return e.redeem(t, t.in.Text)
		}
		if t.st != nil {
			return e.offerResume(t)
		}
		if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, t.chat.Locale); err != nil {
			return err
		}
		return e.menu(t, true)
	case "dangky":
		if t.st != nil {
			return e.offerResume(t)
		}
		return e.startRegistration(t)
	case "hoso":
		return e.showRecords(t)
	case "huy":
		return e.askCancel(t)
	case "ngonngu", "language":
		e.languageMenu(t)
		return nil
	case "status", "tinhhinh":
		return e.statusCommand(t)
	case "moi", "invite":
		return e.inviteCommand(t)
	case "ketqua", "results":
		return e.resultCommand(t)
	case "thongbao", "undelivered":
		return e.undeliveredCommand(t)
	case "giahan", "renewals":
		return e.renewalCommand(t)
	case "bantin", "digest":
		return e.digestCommand(t)
	case "trogiup", "help":
		t.say(Reply{Text: t.p.T("help")})
		return nil
	}
	t.say(Reply{Text: t.p.T("error.unknown_command")})
	if t.st != nil {
		e.prompt(t)
	}
	return nil
}

func (e *Engine) globalAction(t *turn, action, arg string) error {
	switch action {
	case "reg":
		if t.st != nil {
			return e.offerResume(t)
		}
		return e.startRegistration(t)
	case "hoso":
		return e.showRecords(t)
	case "lang":
		if !e.text.Supported(arg) {
			return e.oldButton(t)
		}
		t.chat.Locale = arg
		t.p = e.text.Printer(arg)
		if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, arg); err != nil {
			return err
		}
		t.res.Toast = t.p.T("lang.changed")
		if t.st != nil {
			e.prompt(t)
			return nil
		}
		return e.menu(t, true)
	case "menu":
		return e.menu(t, false)
	case "st", "ch", "xl":
		return e.statusButton(t, action, arg)
	case "iv":
		return e.inviteButton(t, arg)
	case "kq":
		if t.st != nil {
			return e.offerResume(t)
		}
		return e.startResult(t, "")
	case "rn":
		return e.renewalButton(t, arg)
	case "dg":
		return e.digestButton(t, arg)
	}
	return e.oldButton(t)
}

// menu shows the greeting (on /start) or the short menu.
func (e *Engine) menu(t *turn, greet bool) error {
	text := t.p.T("menu.short")
	if greet {
		text = t.p.T("start.greeting")
	}
	other := "en"
	if t.chat.Locale == "en" {
		other = "vi"
	}
	t.say(Reply{Text: text, Buttons: [][]Button{
		{{Label: t.p.T("button.register"), Data: globalData("reg")}},
		{{Label: t.p.T("button.my_records"), Data: globalData("hoso")}},
		{{Label: t.p.T("button.switch_lang"), Data: globalData("lang", other)}},
	}})
	return nil
}

func (e *Engine) languageMenu(t *turn) {
	t.say(Reply{Text: t.p.T("lang.choose"), Buttons: [][]Button{{
		{Label: "Tiếng Việt", Data: globalData("lang", "vi")},
		{Label: "English", Data: globalData("lang", "en")},
	}}})
}

func (e *Engine) offerResume(t *turn) error {
	t.st.Seq++
	t.st.Cancel = false
	key := "resume.ask"
	if t.st.Flow == flowResult {
		key = "resume.ask_result"
	}
	t.say(Reply{Text: t.p.T(key, "Step", e.stepLabel(t, t.st.Step)), Buttons: [][]Button{
		{{Label: t.p.T("button.continue"), Data: stepData(t.st, "resume", "")}},
		{{Label: t.p.T("button.restart"), Data: stepData(t.st, "restart", "")}},
	}})
	return nil
}

func (e *Engine) askCancel(t *turn) error {
	if t.st == nil {
		t.say(Reply{Text: t.p.T("cancel.nothing"), RemoveKeyboard: true})
		return nil
	}
	t.st.Seq++
	t.st.Cancel = true
	t.say(Reply{Text: t.p.T("cancel.confirm"), Buttons: [][]Button{{
		{Label: t.p.T("button.cancel_yes"), Data: stepData(t.st, "cancel", "yes")},
		{Label: t.p.T("button.cancel_no"), Data: stepData(t.st, "cancel", "no")},
	}}})
	return nil
}

func (e *Engine) oldButton(t *turn) error {
	t.res.Toast = t.p.T("error.old_button")
	t.res.ClearKeyboardOf = t.in.MessageID
	if t.st != nil {
		t.say(Reply{Text: t.p.T("error.old_button")})
		e.prompt(t)
	}
	return nil
}

// showRecords lists the user's own registrations (/hoso).
func (e *Engine) showRecords(t *turn) error {
	regs, err := e.records.RegistrationsByOwner(t.ctx, t.chat.UserID)
	if err != nil {
		return err
	}
	if len(regs) == 0 {
		t.say(Reply{Text: t.p.T("records.none"), Buttons: [][]Button{
			{{Label: t.p.T("button.register"), Data: globalData("reg")}},
		}})
		return nil
	}
	// One message holds at most 4,096 characters: long lists go in several.
	var b strings.Builder
	b.WriteString(t.p.N("records.header", len(regs)))
	for i, r := range regs {
		item := t.p.T("records.item",
			"N", i+1,
			"Product", r.ProductName,
			"Code", r.Code,
			"Stars", r.TargetStars,
			"Status", t.p.T("status."+string(r.Status)),
			"Date", r.SubmittedAt.In(ocop.Vietnam).Format("02/01/2006"))
		if utf16Len(b.String())+2+utf16Len(item) > maxMessage {
			t.say(Reply{Text: b.String()})
			b.Reset()
		} else {
			b.WriteString("\n\n")
		}
		b.WriteString(item)
	}
	t.say(Reply{Text: b.String(), Buttons: [][]Button{
		{{Label: t.p.T("button.register_another"), Data: globalData("reg")}},
	}})
	return nil
}

// maxMessage is Telegram's limit on a message's text, in UTF-16 code units.
const maxMessage = 4096

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// errNotFound reports whether err says a record does not exist.
func errNotFound(err error) bool { return errors.Is(err, ocop.ErrNotFound) }

// isBack reports whether the user typed "back" (the label of the contact
// keyboard's back button, or "quay lai" in any language).
func isBack(t *turn) bool {
	f := ocop.Fold(t.in.Text)
	return f == "quay lai" || f == ocop.Fold(t.p.T("button.back"))
}

// redeem binds the user to the unit of an invitation they opened.
func (e *Engine) redeem(t *turn, code string) error {
	off, err := e.records.RedeemInvite(t.ctx, code, t.chat.UserID, t.chat.ID)
	switch {
	case errors.Is(err, ocop.ErrInviteUsed):
		t.say(Reply{Text: t.p.T("invite.used")})
		return nil
	case errors.Is(err, ocop.ErrInviteExpired):
		t.say(Reply{Text: t.p.T("invite.expired")})
		return nil
	case errors.Is(err, ocop.ErrInviteUnknown):
		t.say(Reply{Text: t.p.T("invite.unknown")})
		return nil
	case err != nil:
		return err
	}
	if err := e.records.SaveChat(t.ctx, t.chat.ID, t.chat.UserID, t.chat.Locale); err != nil {
		return err
	}
	unit, ok := e.atlas.Unit(off.UnitID)
	if !ok {
		unit.Name = t.p.T("status.country")
	}
	e.log.InfoContext(t.ctx, "official bound", slog.Int64("chat_id", t.chat.ID), slog.Int64("unit_id", off.UnitID), slog.String("role", string(off.Role)))
	t.say(Reply{Text: t.p.T("invite.ok", "Role", t.p.T("role."+string(off.Role)), "Unit", unit.Name)})
	return nil
}
