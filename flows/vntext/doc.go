// Package vntext makes Vietnamese text comparable and tidy: Fold for
// accent- and case-insensitive matching (unit names, searches), CleanText
// for free-text answers (names, descriptions), Unaccented, PersonName and
// CapitalizeName for names as people type them, Slug for file names, and
// IsSyllable, which tells text read in the right code page from text read
// in the wrong one.
package vntext
