// Package vntext makes Vietnamese text comparable and tidy: Fold for
// accent- and case-insensitive matching (unit names, searches), CleanText
// for free-text answers (names, descriptions) and Slug for file names.
package vntext
