package vntext

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese is written one syllable per word, and a syllable's shape is
// fixed: an initial consonant, a vowel nucleus of one to three vowels, an
// optional final consonant, and at most one tone mark, which sits on the
// nucleus's vowel with a diacritic (ă â ê ô ơ ư) when it has one. Text read
// in the wrong code page breaks that shape (a tone byte read as a letter of
// its own: "Hồ" as "HôÌ", "Bình" as "B́nh"), which is how a file's code page
// is told (report.ReadTable).

// vowel is a Vietnamese vowel letter: the letter without its tone (lower
// case), and its tone mark (0: none).
type vowel struct {
	base, tone rune
}

// toneMarks are the five marks of the tones besides the level one.
const toneMarks = "\u0300\u0301\u0303\u0309\u0323"

// diacriticVowels carry the tone when the nucleus has one of them.
const diacriticVowels = "ăâêôơư"

// vowels holds the 144 vowel letters, both cases: composed from the twelve
// vowels and the tone marks, so that no letter can be left out.
var vowels = func() map[rune]vowel {
	m := map[rune]vowel{}
	for _, b := range "aăâeêioôơuưy" {
		for _, c := range []rune{b, unicode.ToUpper(b)} {
			m[c] = vowel{base: b}
			for _, mark := range toneMarks {
				r, _ := utf8.DecodeRuneInString(norm.NFC.String(string(c) + string(mark)))
				m[r] = vowel{base: b, tone: mark}
			}
		}
	}
	return m
}()

// initials are the initial consonants, longest first: the first that
// starts a syllable is its initial.
var initials = []string{"ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
	"b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x"}

// finals are the final consonants, with the k of the Central Highlands'
// names (Đắk Lắk, Krông Búk); stopFinals those after which a tone can only
// be sắc or nặng.
var (
	finals     = []string{"c", "ch", "k", "m", "n", "ng", "nh", "p", "t"}
	stopFinals = []string{"c", "ch", "k", "p", "t"}
)

// Nuclei (without tone) of a syllable with no final consonant, and of one
// with: ă and â, and the diphthongs iê yê uô ươ, need a final consonant
// (or end in a vowel of their own: âu, iêu, uôi).
var (
	openNuclei = strings.Fields(`a e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua uê ui uơ uy
		ưa ưi ưu oai oay oeo uây uôi ươi ươu iêu yêu uya uyu`)
	closedNuclei = strings.Fields(`a ă â e ê i o ô ơ u ư y oa oă oe oo uâ uê uô ươ iê yê uy uyê`)
	// risingNuclei may carry the tone on either vowel ("hòa" and "hoà").
	risingNuclei = []string{"oa", "oe", "uy"}
)

// IsSyllable reports whether word, in any case and Unicode form, is one
// Vietnamese syllable: "Nguyễn", "giò", "HỒ", "hoà" and "hòa" are; "Xă",
// "B́nh", "HôÌ", "phôì" (the tone on i next to ô), "café" are not. Loan
// words (with f, j, w or z) are not syllables.
func IsSyllable(word string) bool {
	var letters []rune // lower case, without tone
	tone, mark, lower := -1, rune(0), false
	for _, r := range norm.NFC.String(word) {
		if unicode.IsUpper(r) && lower {
			return false // "xÃ": no Vietnamese word has a capital after a small letter
		}
		lower = lower || unicode.IsLower(r)
		if v, ok := vowels[r]; ok {
			if v.tone != 0 {
				if tone >= 0 {
					return false
				}
				tone, mark = len(letters), v.tone
			}
			letters = append(letters, v.base)
			continue
		}
		if r = unicode.ToLower(r); r != 'đ' && !strings.ContainsRune("bcdghklmnpqrstvx", r) {
			return false // another letter, a mark that composed with nothing, not a letter
		}
		letters = append(letters, r)
	}
	s := string(letters)
	initial := ""
	for _, c := range initials {
		if strings.HasPrefix(s, c) {
			initial = c
			break
		}
	}
	rest := []rune(s[len(initial):])
	if initial == "gi" && (len(rest) == 0 || !isVowel(rest[0])) {
		initial, rest = "g", []rune(s[1:]) // "gìn": the i is the nucleus
	}
	n := 0
	for n < len(rest) && isVowel(rest[n]) {
		n++
	}
	nucleus, final := string(rest[:n]), string(rest[n:])
	switch {
	case n == 0:
		return false
	case final == "" && !slices.Contains(openNuclei, nucleus):
		return false
	case final != "" && (!slices.Contains(finals, final) || !slices.Contains(closedNuclei, nucleus)):
		return false
	case tone < 0:
		return true
	case slices.Contains(stopFinals, final) && mark != '\u0301' && mark != '\u0323':
		return false // "Ngoòc": a syllable closed by c, ch, k, p, t has the sắc or nặng tone
	}
	at := tone - len([]rune(initial)) // the toned vowel within the nucleus
	if at < 0 {
		return false // "qùa": the u of qu takes no tone
	}
	runes := []rune(nucleus)
	if last := strings.LastIndexFunc(nucleus, func(r rune) bool { return strings.ContainsRune(diacriticVowels, r) }); last >= 0 {
		return at == utf8.RuneCountInString(nucleus[:last])
	}
	switch {
	case len(runes) == 1:
		return true
	case final != "":
		return at == len(runes)-1 // hoàng, huỳnh
	case slices.Contains(risingNuclei, nucleus):
		return true
	case len(runes) == 3:
		return at == 1 // hoài, khuỷu
	}
	return at == 0 // mùa, kìa, xào
}

func isVowel(r rune) bool { _, ok := vowels[r]; return ok }
