package ocop

import (
	"errors"
	"strings"
	"time"
)

// Personal data under Law 91/2025/QH15 (in force since 1/1/2026): what is
// stored about a producer's user, shown on request (/dulieu), and what an
// erasure (/xoadulieu) removes and keeps.

// NoticeErased is the notification kind telling officials that a producer
// of their unit had its personal data erased.
const NoticeErased = "erased"

// Consent is a user's agreement to one version of the personal-data notice.
type Consent struct {
	Version     string
	AgreedAt    time.Time
	WithdrawnAt time.Time // zero while it stands
}

// PersonalData is everything stored about a Telegram user as a producer.
type PersonalData struct {
	Producer      Producer // zero ID: the user manages no producer
	Products      []ProductData
	Registrations []Registration
	Certificates  []CertificateData
	Consents      []Consent
	ChatLinked    bool      // the chats table knows this chat
	ChatLocale    string    // its language, when linked
	ChatSince     time.Time // when the bot first recorded it
	Accounts      []Account // the person's accounts, the one used last first
}

// ProductData is a product as /dulieu shows it.
type ProductData struct {
	Name        string
	Group       string // group code
	Subgroup    string // sub-group code, "" for a registry's product
	Description string
	HasPhoto    bool
	TargetStars int // 0 when none was asked (a registry's product)
}

// CertificateData is a certificate as /dulieu shows it.
type CertificateData struct {
	Product      string
	Stars        int
	DecisionNo   string
	DecisionDate time.Time
	ValidUntil   time.Time // first day it no longer counts
	RevokedOn    time.Time // zero unless revoked
}

// Erasure is what an erasure did.
type Erasure struct {
	Producer     string // the registered name kept, "" when the user managed no producer
	KeptTaxCode  bool   // an organisation's tax code stays as a public record
	Certificates int    // certificates kept as public records
	Officials    int    // officials told
	Cancelled    int    // notifications to the chat not sent
	// Accounts are the chats of the person's other accounts (linked to
	// it): their conversations under way hold personal data too.
	Accounts []int64
}

// ErasedNotice is the payload of an officials' notice of an erasure.
type ErasedNotice struct {
	Producer    string       `json:"producer"`
	Kind        ProducerKind `json:"kind"`
	KeptTaxCode bool         `json:"kept_tax_code,omitempty"`
	ErasedOn    time.Time    `json:"erased_on"`
}

// KeepsTaxCode reports whether a producer's tax code stays after an erasure:
// an organisation's mã số thuế (10 digits, or 13 for a branch) is a public
// record; a household's tax identity is its owner's (a personal tax code or,
// since 7/2025, the CCCD) and is personal data.
func KeepsTaxCode(kind ProducerKind, taxCode string) bool {
	if kind == KindHousehold || strings.TrimSpace(taxCode) == "" {
		return false
	}
	_, err := NormalizeTaxCode(taxCode)
	return err == nil
}

// NoticeCorrected is the notification kind telling officials that a
// producer of their unit corrected its phone or representative.
const NoticeCorrected = "corrected"

// PersonalField is a personal field a producer may correct itself
// (/suathongtin).
type PersonalField string

// The fields a producer corrects.
const (
	FieldPhone          PersonalField = "phone"
	FieldRepresentative PersonalField = "rep"
)

// Valid reports whether f is a field a producer may correct.
func (f PersonalField) Valid() bool { return f == FieldPhone || f == FieldRepresentative }

// Correction is what a correction did.
type Correction struct {
	Producer  string // the producer's registered name
	Changed   bool   // false: the field held that value already
	Officials int    // officials told
}

// CorrectedNotice is the payload of an officials' notice of a correction:
// the new value, which they call the producer on ("" once the producer's
// personal data was erased).
type CorrectedNotice struct {
	ProducerID  int64         `json:"producer_id"` // for the erasure to find it again
	Producer    string        `json:"producer"`
	Field       PersonalField `json:"field"`
	Value       string        `json:"value"`
	CorrectedOn time.Time     `json:"corrected_on"`
}

// Account is one messenger account a person reaches the bot through.
type Account struct {
	Channel  string // "telegram", "zalo"
	LastSeen time.Time
}

// LinkCodeAlphabet makes the codes that link a second account to a
// person (/lienket): no letters or digits read alike (0 O, 1 I L).
const LinkCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// LinkCode reads a typed link code, "LK-XXXX-XXXX", in any case, with or
// without its dashes and spaces, into its eight letters; "" when it is
// none.
func LinkCode(typed string) string {
	c := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(typed)))
	c, ok := strings.CutPrefix(c, "LK")
	if !ok || len(c) != 8 {
		return ""
	}
	for _, r := range c {
		if !strings.ContainsRune(LinkCodeAlphabet, r) {
			return ""
		}
	}
	return c
}

// Why a link is refused.
var (
	// ErrLinkSelf: the code was typed in an account of its own person.
	ErrLinkSelf = errors.New("account already the person's")
	// ErrLinkOwnRecords: the account has records of its own (a producer,
	// an official, accounts linked to it) or is linked to another person:
	// linking would orphan them.
	ErrLinkOwnRecords = errors.New("account has records of its own")
)
