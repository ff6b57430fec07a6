package ocop

import "errors"

// Role is what an official does, by the level of the unit they work for.
type Role string

// Roles of officials.
const (
	RoleCommune  Role = "commune"  // xã/phường/thị trấn
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

// Official is a Telegram user bound to a unit.
type Official struct {
	UserID int64
	ChatID int64
	UnitID int64 // 0 for an administrator
	Role   Role
	Digest bool // asked for the weekly digest
}

// Invitation errors, each answered with its own message.
var (
	ErrInviteUnknown = errors.New("invite code unknown or revoked")
	ErrInviteUsed    = errors.New("invite code already used")
	ErrInviteExpired = errors.New("invite code expired")
)
