// Package vntext makes Vietnamese text comparable and tidy: Fold for
// accent- and case-insensitive matching (unit names, searches), CleanText
// for free-text answers (names, descriptions), Unaccented, PersonName and
// CapitalizeName for names as people type them, and Slug for file names.
package vntext
