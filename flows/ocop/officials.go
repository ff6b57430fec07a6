package ocop

import (
	"errors"
	"time"
)

// Role is what an official does, by the level of the unit they work for.
type Role string

// Roles of officials.
const (
	RoleCommune  Role = "commune"  // xã/phường/đặc khu (before 1/7/2025 xã/phường/thị trấn)
	RoleDistrict Role = "district" // quận/huyện/thị xã/thành phố thuộc tỉnh
	RoleProvince Role = "province" // tỉnh/thành phố trực thuộc trung ương
	RoleAdmin    Role = "admin"    // the deployment's administrator: every unit, no unit of their own
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r.Level() != 0 }

// RoleForLevel is the role of officials of a unit of level (1 province … 3
// commune).
func RoleForLevel(level int) Role {
	switch level {
	case 1:
		return RoleProvince
	case 2:
		return RoleDistrict
	case 3:
		return RoleCommune
	}
	return ""
}

// Level is the level of the units a role works for (1 province … 3 commune),
// or 0 for an unknown role.
func (r Role) Level() int {
	switch r {
	case RoleProvince:
		return 1
	case RoleDistrict:
		return 2
	case RoleCommune:
		return 3
	}
	return 0
}

// ReformDay is the first day of the two-level administration: districts
// no longer exist (Resolution 202/2025/QH15, in force 1/7/2025).
var ReformDay = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// ActiveOn reports whether officials of role r take on new work on day
// (record results, invite): the roles for days from 1/7/2025 are commune,
// province and the administrator. A district official bound before keeps
// read-only access to their district's history and its area today.
func (r Role) ActiveOn(day time.Time) bool { return r != RoleDistrict || day.Before(ReformDay) }

// Official is a Telegram user bound to a unit.
type Official struct {
	UserID int64
	ChatID int64
	UnitID int64 // 0 for an administrator
	Role   Role
	Digest bool // asked for the weekly digest
	// Daily is how much their daily digest of producers not linked to
	// the bot says ("" reads as DigestFull).
	Daily DigestDetail
	// ReformNoticed: a district official was told that new work goes
	// through the commune or the province (once).
	ReformNoticed bool
}

// Identity is who a Telegram user is to the bot.
type Identity struct {
	Official  *Official // nil: no active official
	Producer  *Producer // nil: manages no producer
	Consented bool      // agreed to the notice version asked about, not withdrawn since
	// FormerOfficial: no active official, but one whose access was
	// revoked; their chat's command menu goes back to a producer's.
	FormerOfficial bool
}

// Invitation errors, each answered with its own message.
var (
	ErrInviteUnknown = errors.New("invite code unknown or revoked")
	ErrInviteUsed    = errors.New("invite code already used")
	ErrInviteExpired = errors.New("invite code expired")
	// ErrRoleAbolished: a district invitation for a day from 1/7/2025.
	ErrRoleAbolished = errors.New("the district level was abolished on 1/7/2025 (Resolution 202/2025/QH15): invite a commune or province official")
)
