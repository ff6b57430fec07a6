// Package locales holds every user-visible text of ocopbot, in Vietnamese
// (the default) and English, as go-i18n v2 message files embedded in the
// binary.
package locales

import (
	"embed"
	"fmt"
	"log/slog"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed vi.toml en.toml
var files embed.FS

// Languages are the supported locales, default first.
var Languages = []string{"vi", "en"}

// Default is the language used when a chat has chosen none.
const Default = "vi"

// Catalog renders messages in every supported language.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	log        *slog.Logger
	// plain holds, per language, the messages rendered without template
	// data: they never change, and every step shows several (buttons,
	// headers), each otherwise a template run.
	plain map[string]*sync.Map
}

// Load parses the embedded message files.
func Load(log *slog.Logger) (*Catalog, error) {
	b := i18n.NewBundle(language.Vietnamese)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{bundle: b, localizers: map[string]*i18n.Localizer{}, log: log, plain: map[string]*sync.Map{}}
	for _, lang := range Languages {
		if _, err := b.LoadMessageFileFS(files, lang+".toml"); err != nil {
			return nil, fmt.Errorf("load %s messages: %w", lang, err)
		}
		c.localizers[lang] = i18n.NewLocalizer(b, lang)
		c.plain[lang] = &sync.Map{}
	}
	return c, nil
}

// Bundle exposes the go-i18n bundle (tests).
func (c *Catalog) Bundle() *i18n.Bundle { return c.bundle }

// Supported reports whether lang is one of Languages.
func (c *Catalog) Supported(lang string) bool {
	_, ok := c.localizers[lang]
	return ok
}

// Printer renders messages in one language.
type Printer struct {
	Lang  string
	loc   *i18n.Localizer
	log   *slog.Logger
	plain *sync.Map // message id → text, of messages rendered without data
}

// Printer returns the printer for lang, or for Default when lang is not
// supported.
func (c *Catalog) Printer(lang string) Printer {
	loc, ok := c.localizers[lang]
	if !ok {
		lang, loc = Default, c.localizers[Default]
	}
	return Printer{Lang: lang, loc: loc, log: c.log, plain: c.plain[lang]}
}

// T renders message id with optional template data given as key, value
// pairs. A message that fails to render (a bug the catalogue tests exist to
// catch) shows its id rather than failing the user's conversation.
func (p Printer) T(id string, kv ...any) string {
	if len(kv) > 0 || p.plain == nil {
		s, _ := p.render(&i18n.LocalizeConfig{MessageID: id, TemplateData: pairs(kv)})
		return s
	}
	if s, ok := p.plain.Load(id); ok {
		return s.(string)
	}
	s, ok := p.render(&i18n.LocalizeConfig{MessageID: id, TemplateData: map[string]any{}})
	if ok {
		p.plain.Store(id, s)
	}
	return s
}

// N renders a message with plural forms for count; count is also available
// to the template as .Count.
func (p Printer) N(id string, count int, kv ...any) string {
	data := pairs(kv)
	data["Count"] = count
	s, _ := p.render(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	return s
}

// render reports whether the message rendered; if not, it logs why and
// gives the message's id instead.
func (p Printer) render(lc *i18n.LocalizeConfig) (string, bool) {
	s, err := p.loc.Localize(lc)
	if err != nil {
		if p.log != nil {
			p.log.Error("render message", slog.String("message_id", lc.MessageID), slog.String("lang", p.Lang), slog.Any("err", err))
		}
		return "[" + lc.MessageID + "]", false
	}
	return s, true
}

func pairs(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2+1)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}
