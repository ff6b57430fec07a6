package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
)

// Callback data is signed. A client can send a callback query carrying any
// data — a modified client, a forged webhook call — so the bot refuses data
// it did not make before the flows see it. The MAC covers the chat the
// button was sent to as well: a button made for one chat does nothing in
// another. Telegram allows 64 bytes of data; the signature takes 12.

// macLen is the bytes of HMAC-SHA256 kept: 64 bits, out of reach of
// guessing through the Bot API's rate.
const macLen = 8

// macSep parts the data from its signature; flows' data never holds it.
const macSep = '~'

// signer signs and checks buttons' data with the key every process of a
// deployment shares (storage.Store.ButtonKey).
type signer struct{ key []byte }

func (s signer) mac(chatID int64, data string) string {
	m := hmac.New(sha256.New, s.key)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(chatID))
	m.Write(id[:])
	m.Write([]byte(data))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:macLen])
}

// sign returns data as a button sent to chatID carries it.
func (s signer) sign(chatID int64, data string) string {
	return data + string(macSep) + s.mac(chatID, data)
}

// verify returns the data of a button pressed in chatID, and false when the
// bot did not make it for that chat.
func (s signer) verify(chatID int64, signed string) (string, bool) {
	i := strings.LastIndexByte(signed, macSep)
	if i < 0 {
		return "", false
	}
	data := signed[:i]
	if !hmac.Equal([]byte(signed[i+1:]), []byte(s.mac(chatID, data))) {
		return "", false
	}
	return data, true
}
