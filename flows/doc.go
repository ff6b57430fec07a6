// Package flows decides what the bot says and does. It holds the
// conversations (producer and product registration, the producer's records)
// as pure decisions over a conversation State and the records it reads
// through small interfaces, and answers with Replies that say what, not
// how: text, choices (an id and a label each), the prompt a reply replaces,
// a photo, a file, a contact request. Each channel renders them within its
// own limits. It imports no messenger's library nor storage, so every flow
// is tested without a channel, and a channel is only a transport.
package flows
