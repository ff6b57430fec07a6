package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The parsers below port tdlib's td/telegram/MessageEntity.cpp (parse_html, parse_markdown, parse_markdown_v2),
// which Telegram's Bot API server runs on every text with a parse_mode: same accepted syntax, same error
// messages, same UTF-16 offsets. They return the displayed text and its entities.

const (
	maxTextLen    = 4096 // UTF-16 code units, after parsing
	maxCaptionLen = 1024
	maxRawText    = 1 << 15 // bytes, before parsing
)

var (
	errTextEmpty      = badRequest("message text is empty")
	errTextTooLong    = badRequest("message is too long")
	errCaptionTooLong = badRequest("message caption is too long")
)

// formatted is a text as Telegram stores it: markup applied, trimmed.
type formatted struct {
	plain    string
	entities []Entity
}

// formatText parses a message text or caption like telegram-bot-api's get_formatted_text and the server's checks.
// caption allows an empty result and has the caption's length limit.
func formatText(raw, parseMode, entitiesJSON string, caption bool) (formatted, *apiError) {
	if raw == "" {
		if caption {
			return formatted{}, nil
		}
		return formatted{}, errTextEmpty
	}
	if len(raw) > maxRawText {
		return formatted{}, badRequest("text is too long")
	}
	if !utf8.ValidString(raw) {
		return formatted{}, badRequest("strings must be encoded in UTF-8")
	}
	var (
		f   formatted
		err error
	)
	switch strings.ToLower(parseMode) {
	case "", "none":
		f.plain = raw
		if entitiesJSON != "" {
			if json.Unmarshal([]byte(entitiesJSON), &f.entities) != nil {
				return formatted{}, badRequest("can't parse entities JSON object")
			}
			for _, e := range f.entities {
				if e.Offset < 0 || e.Length < 0 || e.Offset > 1_000_000 || e.Length > 1_000_000 {
					return formatted{}, badRequest(fmt.Sprintf("receive an entity with incorrect offset %d", e.Offset))
				}
			}
		}
	case "html":
		f.plain, f.entities, err = parseHTML(raw)
	case "markdown":
		f.plain, f.entities, err = parseMarkdown(raw)
	case "markdownv2":
		f.plain, f.entities, err = parseMarkdownV2(raw)
	default:
		return formatted{}, badRequest("unsupported parse_mode")
	}
	if err != nil {
		return formatted{}, badRequest("can't parse entities: " + err.Error())
	}
	f.trim()
	switch {
	case f.plain == "" && !caption:
		return formatted{}, errTextEmpty
	case !caption && utf16Len(f.plain) > maxTextLen:
		return formatted{}, errTextTooLong
	case caption && utf16Len(f.plain) > maxCaptionLen:
		return formatted{}, errCaptionTooLong
	}
	return f, nil
}

// trim removes trailing white space, and leading spaces and newlines before the first entity, moving the
// entities, like tdlib's fix_formatted_text.
func (f *formatted) trim() {
	sortEntities(f.entities)
	end := len(f.plain)
	for end > 0 {
		r, size := utf8.DecodeLastRuneInString(f.plain[:end])
		if !isWhite(r) {
			break
		}
		end -= size
	}
	if end == 0 {
		f.plain, f.entities = "", nil
		return
	}
	f.plain = f.plain[:end]
	n := utf16Len(f.plain)
	kept := f.entities[:0]
	for _, e := range f.entities {
		if e.Offset >= n || e.Length <= 0 {
			continue
		}
		e.Length = min(e.Length, n-e.Offset)
		kept = append(kept, e)
	}
	f.entities = kept
	limit := len(f.plain)
	if len(f.entities) > 0 {
		limit = min(limit, f.entities[0].Offset) // only ASCII is trimmed below, so bytes and UTF-16 agree
	}
	start := 0
	for start < limit && (f.plain[start] == ' ' || f.plain[start] == '\n') {
		start++
	}
	if start > 0 {
		f.plain = f.plain[start:]
		for i := range f.entities {
			f.entities[i].Offset -= start
		}
	}
	if len(f.entities) == 0 {
		f.entities = nil
	}
	sortEntities(f.entities)
}

func isWhite(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x2028, 0x2029, 0x3000, 0x200B:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// utf16Len counts UTF-16 code units, Telegram's unit for lengths and offsets.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func sortEntities(es []Entity) {
	slices.SortStableFunc(es, func(a, b Entity) int {
		if a.Offset != b.Offset {
			return a.Offset - b.Offset
		}
		return b.Length - a.Length
	})
}

// commandEntity returns the bot_command entity Telegram puts on a text starting with "/command", or nil.
func commandEntity(text string) []Entity {
	if len(text) < 2 || text[0] != '/' {
		return nil
	}
	n := 1
	for n < len(text) && (isAlnum(text[n]) || text[n] == '_' || text[n] == '@') {
		n++
	}
	if n == 1 {
		return nil
	}
	return []Entity{{Type: "bot_command", Offset: 0, Length: n}}
}

type parseError string

func (e parseError) Error() string { return string(e) }

func errorf(format string, a ...any) error { return parseError(fmt.Sprintf(format, a...)) }

// byteAt reads like tdlib's NUL-terminated strings: past the end is 0.
func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v'
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
func isHex(c byte) bool   { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

// utf16Units is what one byte adds to the UTF-16 length: 1 for a character's first byte (2 for a 4-byte one).
func utf16Units(c byte) int {
	switch {
	case c&0xC0 == 0x80:
		return 0
	case c >= 0xF0:
		return 2
	}
	return 1
}

// decodeHTMLEntity decodes &lt; &gt; &amp; &quot; &#N; &#xH; at s[pos]; ok is false for anything else.
func decodeHTMLEntity(s string, pos int) (r rune, next int, ok bool) {
	end := pos + 1
	var code uint32
	if byteAt(s, pos+1) == '#' {
		end++
		if byteAt(s, pos+2) == 'x' {
			end++
			for isHex(byteAt(s, end)) {
				h, _ := strconv.ParseUint(s[end:end+1], 16, 8)
				code = code*16 + uint32(h)
				end++
				if code > 0x10ffff {
					return 0, 0, false
				}
			}
		} else {
			for isDigit(byteAt(s, end)) {
				code = code*10 + uint32(s[end]-'0')
				end++
				if code > 0x10ffff {
					return 0, 0, false
				}
			}
		}
		if code == 0 || code >= 0x10ffff || end-pos >= 10 {
			return 0, 0, false
		}
	} else {
		for isAlpha(byteAt(s, end)) {
			end++
		}
		switch s[pos+1 : end] {
		case "lt":
			code = '<'
		case "gt":
			code = '>'
		case "amp":
			code = '&'
		case "quot":
			code = '"'
		default:
			return 0, 0, false
		}
	}
	if byteAt(s, end) == ';' {
		end++
	}
	return rune(code), end, true
}

func utf16RuneLen(r rune) int {
	if r > 0xffff {
		return 2
	}
	return 1
}

var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true, "del": true,
	"u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "tg-time": true, "span": true, "pre": true,
	"code": true, "blockquote": true,
}

// parseHTML ports tdlib's parse_html.
func parseHTML(s string) (string, []Entity, error) {
	type open struct {
		tag, arg   string
		date       int64
		offset     int
		beginBytes int
	}
	var (
		out      = make([]byte, 0, len(s))
		entities []Entity
		stack    []open
		offset   int
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '&' {
			if r, next, ok := decodeHTMLEntity(s, i); ok {
				out = utf8.AppendRune(out, r)
				offset += utf16RuneLen(r)
				i = next - 1
				continue
			}
		}
		if c != '<' {
			offset += utf16Units(c)
			out = append(out, c)
			continue
		}
		begin := i
		i++
		if byteAt(s, i) != '/' {
			for !isSpace(byteAt(s, i)) && byteAt(s, i) != '>' {
				i++
			}
			if byteAt(s, i) == 0 {
				return "", nil, errorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(s[begin+1 : i])
			if !htmlTags[tag] {
				return "", nil, errorf("Unsupported start tag \"%s\" at byte offset %d", tag, begin)
			}
			var (
				arg  string
				date int64
			)
			for byteAt(s, i) != '>' {
				for byteAt(s, i) != 0 && isSpace(byteAt(s, i)) {
					i++
				}
				if byteAt(s, i) == '>' {
					break
				}
				attrBegin := i
				for c := byteAt(s, i); !isSpace(c) && c != '=' && c != '>' && c != '/' && c != '"' && c != '\''; c = byteAt(s, i) {
					i++
				}
				attr := s[attrBegin:i]
				if attr == "" {
					return "", nil, errorf("Empty attribute name in the tag \"%s\" at byte offset %d", tag, begin)
				}
				for byteAt(s, i) != 0 && isSpace(byteAt(s, i)) {
					i++
				}
				if byteAt(s, i) != '=' {
					if byteAt(s, i) == 0 {
						return "", nil, errorf("Unclosed start tag \"%s\" at byte offset %d", tag, begin)
					}
					if tag == "blockquote" && attr == "expandable" {
						arg = "1"
					}
					continue
				}
				i++
				for byteAt(s, i) != 0 && isSpace(byteAt(s, i)) {
					i++
				}
				if byteAt(s, i) == 0 {
					return "", nil, errorf("Unclosed start tag \"%s\" at byte offset %d", tag, begin)
				}
				var value string
				if q := byteAt(s, i); q != '\'' && q != '"' {
					tokenBegin := i
					for c := byteAt(s, i); isAlnum(c) || c == '.' || c == '-'; c = byteAt(s, i) {
						i++
					}
					value = strings.ToLower(s[tokenBegin:i])
					if c := byteAt(s, i); !isSpace(c) && c != '>' {
						return "", nil, errorf("Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					i++
					var v []byte
					for byteAt(s, i) != q && byteAt(s, i) != 0 {
						if s[i] == '&' {
							if r, next, ok := decodeHTMLEntity(s, i); ok {
								v = utf8.AppendRune(v, r)
								i = next
								continue
							}
						}
						v = append(v, s[i])
						i++
					}
					if byteAt(s, i) == q {
						i++
					}
					value = string(v)
				}
				if byteAt(s, i) == 0 {
					return "", nil, errorf("Unclosed start tag at byte offset %d", begin)
				}
				switch {
				case tag == "a" && attr == "href":
					arg = value
				case tag == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && attr == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "tg-emoji" && attr == "emoji-id":
					arg = value
				case tag == "blockquote" && attr == "expandable":
					arg = "1"
				case tag == "tg-time" && attr == "unix":
					date, _ = strconv.ParseInt(value, 10, 32)
				case tag == "tg-time" && attr == "format":
					arg = value
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, open{tag: tag, arg: arg, date: date, offset: offset, beginBytes: len(out)})
			continue
		}
		// an end tag
		if len(stack) == 0 {
			return "", nil, errorf("Unexpected end tag at byte offset %d", begin)
		}
		for !isSpace(byteAt(s, i)) && byteAt(s, i) != '>' {
			i++
		}
		endTag := strings.ToLower(s[begin+2 : i])
		for byteAt(s, i) != 0 && isSpace(byteAt(s, i)) {
			i++
		}
		if byteAt(s, i) != '>' {
			return "", nil, errorf("Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		if endTag != "" && endTag != top.tag {
			return "", nil, errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"",
				begin, top.tag, endTag)
		}
		if offset > top.offset {
			e := Entity{Offset: top.offset, Length: offset - top.offset}
			last := func() *Entity {
				if len(entities) == 0 {
					return nil
				}
				l := &entities[len(entities)-1]
				if l.Offset != e.Offset || l.Length != e.Length {
					return nil
				}
				return l
			}
			switch top.tag {
			case "i", "em":
				e.Type = "italic"
			case "b", "strong":
				e.Type = "bold"
			case "s", "strike", "del":
				e.Type = "strikethrough"
			case "u", "ins":
				e.Type = "underline"
			case "tg-spoiler", "span":
				e.Type = "spoiler"
			case "tg-emoji":
				id, err := strconv.ParseInt(top.arg, 10, 64)
				if err != nil || id == 0 {
					return "", nil, parseError("Invalid custom emoji identifier specified")
				}
				e.Type, e.CustomEmojiID = "custom_emoji", top.arg
			case "tg-time":
				if top.date > 0 {
					e.Type, e.UnixTime = "date_time", top.date
				}
			case "a":
				url := top.arg
				if url == "" {
					url = string(out[top.beginBytes:])
				}
				if url = checkedLink(url); url != "" {
					e.Type, e.URL = "text_link", url
				}
			case "pre":
				if l := last(); l != nil && l.Type == "code" && l.Language != "" {
					l.Type = "pre"
				} else {
					e.Type = "pre"
				}
			case "code":
				if l := last(); l != nil && l.Type == "pre" && top.arg != "" {
					l.Language = top.arg
				} else {
					e.Type, e.Language = "code", top.arg
				}
			case "blockquote":
				e.Type = "blockquote"
				if top.arg != "" {
					e.Type = "expandable_blockquote"
				}
			}
			if e.Type != "" {
				entities = append(entities, e)
			}
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		return "", nil, errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].tag)
	}
	for i := range entities {
		if entities[i].Type == "code" {
			entities[i].Language = ""
		}
	}
	sortEntities(entities)
	return string(out), entities, nil
}

// checkedLink approximates tdlib's LinkManager::get_checked_link: a URL with a known scheme, or a host name,
// which gets "http://"; anything else is no link.
func checkedLink(url string) string {
	url = strings.TrimSpace(url)
	lower := strings.ToLower(url)
	for _, scheme := range []string{"http://", "https://", "tg://", "ton://", "mailto:"} {
		if strings.HasPrefix(lower, scheme) {
			return url
		}
	}
	if strings.Contains(url, ".") && !strings.ContainsAny(url, " \t\n") && !strings.Contains(url, "://") {
		return "http://" + url
	}
	return ""
}

// parseMarkdown ports tdlib's parse_markdown, the legacy "Markdown" mode.
func parseMarkdown(s string) (string, []Entity, error) {
	var (
		out      = make([]byte, 0, len(s))
		entities []Entity
		offset   int
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if next := byteAt(s, i+1); c == '\\' && (next == '_' || next == '*' || next == '`' || next == '[') {
			i++
			out = append(out, s[i])
			offset++
			continue
		}
		if c != '_' && c != '*' && c != '`' && c != '[' {
			offset += utf16Units(c)
			out = append(out, c)
			continue
		}
		begin := i
		endChar := c
		if c == '[' {
			endChar = ']'
		}
		i++
		isPre := false
		language := ""
		if c == '`' && byteAt(s, i) == '`' && byteAt(s, i+1) == '`' {
			i += 2
			isPre = true
			langEnd := i
			for !isSpace(byteAt(s, langEnd)) && byteAt(s, langEnd) != '`' {
				langEnd++
			}
			if i != langEnd && langEnd < len(s) && byteAt(s, langEnd) != '`' {
				language = s[i:langEnd]
				i = langEnd
			}
			i = skipOneNewline(s, i)
		}
		entityOffset := offset
		for i < len(s) && (s[i] != endChar || (isPre && !(byteAt(s, i+1) == '`' && byteAt(s, i+2) == '`'))) {
			offset += utf16Units(s[i])
			out = append(out, s[i])
			i++
		}
		if i == len(s) {
			return "", nil, errorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		if entityOffset != offset {
			e := Entity{Offset: entityOffset, Length: offset - entityOffset}
			switch c {
			case '_':
				e.Type = "italic"
			case '*':
				e.Type = "bold"
			case '[':
				var url string
				if byteAt(s, i+1) != '(' {
					url = s[begin+1 : i]
				} else {
					i += 2
					start := i
					for i < len(s) && s[i] != ')' {
						i++
					}
					url = s[start:i]
				}
				if url = checkedLink(url); url != "" {
					e.Type, e.URL = "text_link", url
				}
			case '`':
				e.Type = "code"
				if isPre {
					e.Type, e.Language = "pre", language
				}
			}
			if e.Type != "" {
				entities = append(entities, e)
			}
		}
		if isPre {
			i += 2
		}
	}
	return string(out), entities, nil
}

// skipOneNewline skips one line break at the start of a pre block, as tdlib does.
func skipOneNewline(s string, i int) int {
	if c := byteAt(s, i); c == '\n' || c == '\r' {
		if n := byteAt(s, i+1); (n == '\n' || n == '\r') && c != n {
			return i + 2
		}
		return i + 1
	}
	return i
}

// Entity kinds of the MarkdownV2 parser, named like tdlib's MessageEntity::Type for its error messages.
const (
	mdBold          = "Bold"
	mdItalic        = "Italic"
	mdUnderline     = "Underline"
	mdStrikethrough = "Strikethrough"
	mdSpoiler       = "Spoiler"
	mdCode          = "Code"
	mdPre           = "Pre"
	mdPreCode       = "PreCode"
	mdTextURL       = "TextUrl"
	mdCustomEmoji   = "CustomEmoji"
	mdBlockQuote    = "BlockQuote"
	mdExpandable    = "ExpandableBlockQuote"
)

var mdTypes = map[string]string{
	mdBold: "bold", mdItalic: "italic", mdUnderline: "underline", mdStrikethrough: "strikethrough",
	mdSpoiler: "spoiler", mdCode: "code", mdPre: "pre", mdPreCode: "pre", mdTextURL: "text_link",
	mdCustomEmoji: "custom_emoji", mdBlockQuote: "blockquote", mdExpandable: "expandable_blockquote",
}

func reservedError(c byte) error {
	return errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

// markdownV2URL reads the URL of a link or custom emoji, from s[start:] just after its "(", with backslash escapes
// undone. It returns the URL and the index of the closing ")".
func markdownV2URL(s string, start int) (url string, end int, err error) {
	var u []byte
	i := start
	for i < len(s) && s[i] != ')' {
		if n := byteAt(s, i+1); s[i] == '\\' && n > 0 && n <= 126 {
			u = append(u, n)
			i += 2
			continue
		}
		u = append(u, s[i])
		i++
	}
	if byteAt(s, i) != ')' {
		return "", i, errorf("Can't find end of a URL at byte offset %d", start)
	}
	return string(u), i, nil
}

// parseMarkdownV2 ports tdlib's parse_markdown_v2.
func parseMarkdownV2(s string) (string, []Entity, error) {
	type open struct {
		kind       string
		arg        string
		offset     int
		byteOffset int
		beginBytes int
	}
	var (
		out                = make([]byte, 0, len(s))
		entities           []Entity
		stack              []open
		offset             int
		haveBlockquote     bool
		canStartBlockquote = true
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if next := byteAt(s, i+1); c == '\\' && next > 0 && next <= 126 {
			i++
			offset++
			out = append(out, s[i])
			if s[i] != '\r' {
				canStartBlockquote = s[i] == '\n'
			}
			continue
		}
		reserved := "_*[]()~`>#+-=|{}.!\n"
		if len(stack) > 0 {
			switch stack[len(stack)-1].kind {
			case mdCode, mdPre, mdPreCode:
				reserved = "`"
			}
		}
		if !strings.ContainsRune(reserved, rune(c)) {
			if n := utf16Units(c); n > 0 {
				offset += n
				if c != '\r' {
					canStartBlockquote = false
				}
			}
			out = append(out, c)
			continue
		}
		isEnd := false
		if len(stack) > 0 {
			if haveBlockquote && c == '\n' && (i+1 == len(s) || s[i+1] != '>') {
				isEnd = true
			} else {
				switch stack[len(stack)-1].kind {
				case mdBold:
					isEnd = c == '*'
				case mdItalic:
					isEnd = c == '_' && byteAt(s, i+1) != '_'
				case mdCode:
					isEnd = c == '`'
				case mdPre, mdPreCode:
					isEnd = c == '`' && byteAt(s, i+1) == '`' && byteAt(s, i+2) == '`'
				case mdTextURL, mdCustomEmoji:
					isEnd = c == ']'
				case mdUnderline:
					isEnd = c == '_' && byteAt(s, i+1) == '_'
				case mdStrikethrough:
					isEnd = c == '~'
				case mdSpoiler:
					isEnd = c == '|' && byteAt(s, i+1) == '|'
				}
			}
		}
		if !isEnd {
			kind, arg := "", ""
			byteOffset := i
			switch c {
			case '_':
				kind = mdItalic
				if byteAt(s, i+1) == '_' {
					kind = mdUnderline
					i++
				}
			case '*':
				kind = mdBold
			case '~':
				kind = mdStrikethrough
			case '|':
				if byteAt(s, i+1) != '|' {
					return "", nil, reservedError(c)
				}
				i++
				kind = mdSpoiler
			case '[':
				kind = mdTextURL
			case '`':
				if byteAt(s, i+1) == '`' && byteAt(s, i+2) == '`' {
					i += 3
					kind = mdPre
					langEnd := i
					for !isSpace(byteAt(s, langEnd)) && byteAt(s, langEnd) != '`' {
						langEnd++
					}
					if i != langEnd && langEnd < len(s) && byteAt(s, langEnd) != '`' {
						kind, arg = mdPreCode, s[i:langEnd]
						i = langEnd
					}
					i = skipOneNewline(s, i) - 1
				} else {
					kind = mdCode
				}
			case '!':
				if byteAt(s, i+1) != '[' {
					return "", nil, reservedError(c)
				}
				i++
				kind = mdCustomEmoji
			case '\n':
				offset++
				out = append(out, '\n')
				canStartBlockquote = true
			case '>':
				if !canStartBlockquote {
					return "", nil, reservedError(c)
				}
				if !haveBlockquote {
					kind = mdBlockQuote
					haveBlockquote = true
				}
			default:
				return "", nil, reservedError(c)
			}
			if kind == "" {
				continue
			}
			stack = append(stack, open{kind: kind, arg: arg, offset: offset, byteOffset: byteOffset, beginBytes: len(out)})
			continue
		}
		// the end of an entity
		kind := stack[len(stack)-1].kind
		if c == '\n' && kind != mdBlockQuote {
			top := stack[len(stack)-1]
			if kind != mdSpoiler || !(top.byteOffset == i-2 ||
				(top.byteOffset == i-3 && len(out) != 0 && out[len(out)-1] == '\r')) {
				return "", nil, errorf("Can't find end of %s entity at byte offset %d", kind, top.byteOffset)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return "", nil, errorf("Can't find end of %s entity at byte offset %d", kind, top.byteOffset)
			}
			if kind = stack[len(stack)-1].kind; kind != mdBlockQuote {
				return "", nil, errorf("Can't find end of %s entity at byte offset %d", kind, stack[len(stack)-1].byteOffset)
			}
			kind = mdExpandable
		}
		top := stack[len(stack)-1]
		arg := top.arg
		skip := offset == top.offset
		var unixTime int64
		switch kind {
		case mdUnderline, mdSpoiler:
			i++
		case mdPre, mdPreCode:
			i += 2
		case mdTextURL:
			var url string
			if byteAt(s, i+1) != '(' {
				url = string(out[top.beginBytes:])
			} else {
				var err error
				if url, i, err = markdownV2URL(s, i+2); err != nil {
					return "", nil, err
				}
			}
			if url = checkedLink(url); url == "" {
				skip = true
			} else {
				arg = url
			}
		case mdCustomEmoji:
			if byteAt(s, i+1) != '(' {
				return "", nil, parseError("The entity must contain a tg://emoji or tg://time URL")
			}
			link, end, err := markdownV2URL(s, i+2)
			if err != nil {
				return "", nil, err
			}
			i = end
			if id, ok := strings.CutPrefix(link, "tg://emoji?id="); ok && id != "" {
				arg = id
			} else if t, ok := strings.CutPrefix(link, "tg://time?unix="); ok {
				t, _, _ = strings.Cut(t, "&")
				unix, err := strconv.ParseInt(t, 10, 64)
				if err != nil {
					return "", nil, parseError("Invalid tg://emoji or tg://time URL specified")
				}
				kind, unixTime = "date_time", unix
			} else {
				return "", nil, parseError("Invalid tg://emoji or tg://time URL specified")
			}
		case mdBlockQuote, mdExpandable:
			haveBlockquote = false
			out = append(out, s[i])
			canStartBlockquote = true
			offset++
			skip = false
		}
		if !skip {
			e := Entity{Offset: top.offset, Length: offset - top.offset}
			switch kind {
			case "date_time":
				e.Type, e.UnixTime = "date_time", unixTime
			case mdTextURL:
				e.Type, e.URL = "text_link", arg
			case mdCustomEmoji:
				e.Type, e.CustomEmojiID = "custom_emoji", arg
			case mdPreCode:
				e.Type, e.Language = "pre", arg
			default:
				e.Type = mdTypes[kind]
			}
			entities = append(entities, e)
		}
		stack = stack[:len(stack)-1]
	}
	if haveBlockquote && len(stack) > 0 {
		kind := mdBlockQuote
		if top := stack[len(stack)-1]; top.kind == mdSpoiler && top.byteOffset == len(s)-2 {
			stack = stack[:len(stack)-1]
			kind = mdExpandable
		}
		if len(stack) > 0 && stack[len(stack)-1].kind == mdBlockQuote {
			top := stack[len(stack)-1]
			if n := offset - top.offset; n != 0 {
				entities = append(entities, Entity{Type: mdTypes[kind], Offset: top.offset, Length: n})
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return "", nil, errorf("Can't find end of %s entity at byte offset %d", top.kind, top.byteOffset)
	}
	sortEntities(entities)
	return string(out), entities, nil
}
