package ocop

import (
	"strconv"
	"time"
)

// RegistryRow is one checked row of a province's OCOP registry file: a
// recognised product's certificate, with its product and producer. Identity
// (issue 15): a producer is its tax code (or CCCD) within ProvinceCode, else
// NameKey within its commune; a product is its producer and ProductKey; a
// certificate is its product, decision number and date.
type RegistryRow struct {
	Line           int
	ProvinceCode   string
	CommuneID      int64 // in the tree in force on DecisionDate
	Kind           ProducerKind
	Name           string
	NameKey        string // folded name
	TaxCode        string // never logged
	CitizenID      string // never logged
	Representative string
	Phone          string // never logged
	Product        string
	ProductKey     string // folded product name
	GroupCode      string
	Stars          int
	Score          float64 // 0: not given
	DecisionNo     string
	DecisionDate   time.Time
	Office         Office // "" when the file does not say
}

// ProducerKey identifies the row's producer within an import.
func (r RegistryRow) ProducerKey() string {
	switch {
	case r.TaxCode != "":
		return "T" + r.ProvinceCode + "\x1f" + r.TaxCode
	case r.CitizenID != "":
		return "C" + r.ProvinceCode + "\x1f" + r.CitizenID
	}
	return "N" + strconv.FormatInt(r.CommuneID, 10) + "\x1f" + r.NameKey
}

// RegistryImported says what an import wrote.
type RegistryImported struct {
	ProducersNew, ProducersUpdated int
	ProductsNew                    int
	CertificatesNew, Unchanged     int
	Superseded                     int
}

// RegistryEntry is a certificate as the registry export lists it.
type RegistryEntry struct {
	CommuneID      int64
	Kind           ProducerKind
	Name           string
	TaxCode        string
	CitizenID      string
	Representative string
	Phone          string
	Product        string
	GroupCode      string
	Stars          int
	Score          float64
	DecisionNo     string
	DecisionDate   time.Time
}
