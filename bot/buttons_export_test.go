package bot

// SignButton is data as a button the bot sends to chatID carries it, signed
// with key: the external tests press data the bot never sent that still
// passes the transport's check, to test what the flows check behind it.
func SignButton(key []byte, chatID int64, data string) string {
	return signer{key: key}.sign(chatID, data)
}
