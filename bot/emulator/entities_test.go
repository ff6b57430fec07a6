package emulator

import (
	"slices"
	"testing"
)

func TestFormatText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		text      string
		parseMode string
		wantPlain string
		want      []Entity
		wantErr   string
	}{
		{name: "plain", text: "  xin chào  \n", wantPlain: "xin chào"},
		{name: "html", text: "<b>Tên:</b> <i>Mật ong</i> &amp; <a href=\"https://ocop.vn\">web</a>", parseMode: "HTML",
			wantPlain: "Tên: Mật ong & web", want: []Entity{
				{Type: "bold", Offset: 0, Length: 4},
				{Type: "italic", Offset: 5, Length: 7},
				{Type: "text_link", Offset: 15, Length: 3, URL: "https://ocop.vn"},
			}},
		{name: "html offsets in UTF-16", text: "😀 <b>x</b>", parseMode: "html", wantPlain: "😀 x",
			want: []Entity{{Type: "bold", Offset: 3, Length: 1}}},
		{name: "html pre with language", text: `<pre><code class="language-go">x := 1</code></pre>`, parseMode: "HTML",
			wantPlain: "x := 1", want: []Entity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{name: "html numeric entity", text: "&#x1F600;&#65;&lt;", parseMode: "HTML", wantPlain: "😀A<"},
		{name: "html unknown entity stays", text: "a &nbsp; b", parseMode: "HTML", wantPlain: "a &nbsp; b"},
		{name: "html unmatched end", text: "<b>x</i>", parseMode: "HTML",
			wantErr: `Bad Request: can't parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{name: "html unexpected end", text: "x</b>", parseMode: "HTML",
			wantErr: "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"},
		{name: "html span without class", text: "<span>x</span>", parseMode: "HTML",
			wantErr: `Bad Request: can't parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{name: "markdownv2", text: "*Giá:* 10\\.000đ _rẻ_ __gạch__ ~bỏ~ ||ẩn|| `code` [link](https://ocop.vn)", parseMode: "MarkdownV2",
			wantPlain: "Giá: 10.000đ rẻ gạch bỏ ẩn code link", want: []Entity{
				{Type: "bold", Offset: 0, Length: 4},
				{Type: "italic", Offset: 13, Length: 2},
				{Type: "underline", Offset: 16, Length: 4},
				{Type: "strikethrough", Offset: 21, Length: 2},
				{Type: "spoiler", Offset: 24, Length: 2},
				{Type: "code", Offset: 27, Length: 4},
				{Type: "text_link", Offset: 32, Length: 4, URL: "https://ocop.vn"},
			}},
		{name: "markdownv2 unclosed", text: "*bold", parseMode: "MarkdownV2",
			wantErr: "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0"},
		{name: "markdownv2 blockquote", text: ">trích\n>dẫn\nhết", parseMode: "MarkdownV2",
			wantPlain: "trích\ndẫn\nhết", want: []Entity{{Type: "blockquote", Offset: 0, Length: 10}}},
		{name: "markdown legacy", text: "*đậm* _nghiêng_ [web](http://a.vn)", parseMode: "Markdown",
			wantPlain: "đậm nghiêng web", want: []Entity{
				{Type: "bold", Offset: 0, Length: 3}, {Type: "italic", Offset: 4, Length: 7},
				{Type: "text_link", Offset: 12, Length: 3, URL: "http://a.vn"},
			}},
		{name: "markdown legacy unclosed", text: "a_b", parseMode: "Markdown",
			wantErr: "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 1"},
		{name: "trim moves entities", text: "\n\n <b>x</b> ", parseMode: "HTML", wantPlain: "x",
			want: []Entity{{Type: "bold", Offset: 0, Length: 1}}},
		{name: "only markup", text: "<b> </b>", parseMode: "HTML", wantErr: "Bad Request: message text is empty"},
		{name: "invalid UTF-8", text: "\xff", wantErr: "Bad Request: strings must be encoded in UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, aerr := formatText(tt.text, tt.parseMode, "", false)
			if tt.wantErr != "" {
				if aerr == nil || aerr.desc != tt.wantErr {
					t.Fatalf("error = %+v, want %q", aerr, tt.wantErr)
				}
				return
			}
			if aerr != nil {
				t.Fatalf("error = %q", aerr.desc)
			}
			if f.plain != tt.wantPlain || !slices.Equal(f.entities, tt.want) {
				t.Errorf("got %q %+v, want %q %+v", f.plain, f.entities, tt.wantPlain, tt.want)
			}
		})
	}
}

func TestCommandEntity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []Entity
	}{
		{"/start", []Entity{{Type: "bot_command", Length: 6}}},
		{"/start@ocop_bot abc", []Entity{{Type: "bot_command", Length: 15}}},
		{"/", nil},
		{"hello /start", nil},
		{"/ space", nil},
	}
	for _, tt := range tests {
		if got := commandEntity(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("commandEntity(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}

// FuzzFormatText: no input makes a parser panic, and entities stay inside the text.
func FuzzFormatText(f *testing.F) {
	for _, seed := range []string{
		"<b>x</b>", "<a href='x'>y</a>", "&#x1F600;", "<pre><code class=\"language-go\">x</code></pre>",
		"*a* _b_ __c__ ~d~ ||e|| `f` ```go\ng```", ">q\n>r||", "![x](tg://emoji?id=5)", "[a](b\\)c)", "\\", "<",
		"_*[`", "<tg-emoji emoji-id=1>x</tg-emoji>", "<blockquote expandable>x</blockquote>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, mode := range []string{"", "HTML", "Markdown", "MarkdownV2"} {
			got, aerr := formatText(text, mode, "", false)
			if aerr != nil {
				continue
			}
			n := utf16Len(got.plain)
			for _, e := range got.entities {
				if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n {
					t.Errorf("%s %q: entity %+v outside %d units of %q", mode, text, e, n, got.plain)
				}
			}
		}
	})
}
